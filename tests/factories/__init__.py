from tests.factories.area import AreaFactory
from tests.factories.goal import GoalFactory, MeansFactory, OutcomeFactory
from tests.factories.strategy import (
    InequalityThemeFactory,
    PhenomenonFieldFactory,
    PhenomenonSourceFactory,
    StrategyFactory,
    ValueFactory,
)
from tests.factories.user import UserFactory

__all__ = [
    "AreaFactory",
    "GoalFactory",
    "InequalityThemeFactory",
    "MeansFactory",
    "OutcomeFactory",
    "PhenomenonFieldFactory",
    "PhenomenonSourceFactory",
    "StrategyFactory",
    "UserFactory",
    "ValueFactory",
]
