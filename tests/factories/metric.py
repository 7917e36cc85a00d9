from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory

from measures.models import Measurement, Metric, MetricVersion, Period
from tests.factories.goal import GoalFactory
from tests.factories.user import UserFactory


class MetricFactory(factory.django.DjangoModelFactory[Metric]):
    """A metric with its first version; pass period= and definition= to shape the version,
    e.g. ``MetricFactory.create(definition={"aggregation": "participants"})``."""

    class Meta:
        model = Metric

    name = factory.Sequence(lambda n: f"Mittari {n}")
    unit = "kpl"
    kind = Metric.Kind.ACTIVITY
    goal = factory.SubFactory(GoalFactory)

    @classmethod
    def _create(cls, model_class: type[Metric], *args: Any, **kwargs: Any) -> Metric:
        period = kwargs.pop("period", Period.MONTH)
        definition = kwargs.pop("definition", {"aggregation": "activities"})
        metric = super()._create(model_class, *args, **kwargs)
        metric.current_version = MetricVersion.objects.create(
            metric=metric, number=1, period=period, definition=definition
        )
        metric.save(update_fields=["current_version"])
        return metric


class MeasurementFactory(factory.django.DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    metric = factory.SubFactory(
        MetricFactory, kind=Metric.Kind.MANUAL, period=Period.YEAR, definition={}
    )
    period_start = datetime.date(2024, 1, 1)
    value = Decimal(1)
    source = "Kysely"
    entered_by = factory.SubFactory(UserFactory)
