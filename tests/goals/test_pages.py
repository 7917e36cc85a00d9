from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_strategy_house__shows_the_four_goals_to_staff(strategy, staff_user, client_for):
    response = client_for(staff_user).get(reverse("goals:strategy"))

    assert response.status_code == 200
    for goal in strategy.goals.all():
        assert goal.title in response.text
