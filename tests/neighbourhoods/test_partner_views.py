"""Partners: who Kalliola works with, what it did with them, and every change on record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from neighbourhoods.models import Partner
from tests.factories import UserFactory
from tests.factories.activity import ActivityFactory
from tests.factories.partner import PartnerFactory

pytestmark = pytest.mark.django_db


def test_partner_list__shows_each_partner_with_its_sector_and_activity_count(
    leadership_user, client_for
):
    church = PartnerFactory.create(name="Kallion seurakunta", sector=Partner.Sector.THIRD_SECTOR)
    PartnerFactory.create(name="Kontulan ostari ry", sector=Partner.Sector.RESIDENTS)
    ActivityFactory.create_batch(2, partners=[church])

    response = client_for(leadership_user).get(reverse("neighbourhoods:partners"))

    assert response.status_code == 200
    counts = {p.name: p.activity_count for p in response.context["partners"]}
    assert counts == {"Kallion seurakunta": 2, "Kontulan ostari ry": 0}
    assert "2 toimintaa" in response.text


def test_partner_list__counts_for_staff_only_the_activities_they_may_see(staff_user, client_for):
    church = PartnerFactory.create(name="Kallion seurakunta")
    ActivityFactory.create(partners=[church], created_by=staff_user)
    ActivityFactory.create(partners=[church], organisers=[staff_user])
    ActivityFactory.create_batch(3, partners=[church])  # colleagues' work, not visible to staff

    response = client_for(staff_user).get(reverse("neighbourhoods:partners"))

    counts = {p.name: p.activity_count for p in response.context["partners"]}
    assert counts == {"Kallion seurakunta": 2}
    assert "Omat toimintasi: 2" in response.text


def test_partner_list__says_what_to_do_when_there_are_none(staff_user, client_for):
    response = client_for(staff_user).get(reverse("neighbourhoods:partners"))

    assert response.status_code == 200
    assert "<table" not in response.text
    assert not response.context["partners"]


def test_partner_detail__lists_only_the_activities_the_user_may_see(staff_user, client_for):
    partner = PartnerFactory.create(name="Kallion seurakunta")
    ActivityFactory.create(partners=[partner], created_by=staff_user, title="Oma yhteinen")
    ActivityFactory.create(
        partners=[partner], created_by=UserFactory(role="staff"), title="Toisen yhteinen"
    )

    response = client_for(staff_user).get(reverse("neighbourhoods:partner", args=[partner.pk]))

    assert "Oma yhteinen" in response.text
    assert "Toisen yhteinen" not in response.text
    assert response.context["history"] is None


def test_partner_detail__shows_the_history_to_leadership(leadership_user, client_for):
    partner = PartnerFactory.create(name="Vanha nimi")
    partner.name = "Uusi nimi"
    partner.save()

    response = client_for(leadership_user).get(reverse("neighbourhoods:partner", args=[partner.pk]))

    history = list(response.context["history"])
    assert len(history) == 2
    assert "Vanha nimi" in response.text


def test_partner_detail__unknown_partner_is_404(staff_user, client_for):
    response = client_for(staff_user).get(reverse("neighbourhoods:partner", args=[999999]))

    assert response.status_code == 404


def test_activity_form__says_there_are_no_partners_or_projects_yet(staff_user, client_for):
    response = client_for(staff_user).get(reverse("neighbourhoods:activity_create"))

    form = response.context["form"]
    assert form.fields["partners"].help_text
    assert form.fields["project"].help_text
    PartnerFactory.create()
    again = client_for(staff_user).get(reverse("neighbourhoods:activity_create"))
    assert not again.context["form"].fields["partners"].help_text


def test_partner_detail__query_count_does_not_grow_with_activities(
    leadership_user, client_for, django_assert_num_queries
):
    partner = PartnerFactory.create()
    ActivityFactory.create_batch(2, partners=[partner])
    client = client_for(leadership_user)
    client.get(reverse("neighbourhoods:partner", args=[partner.pk]))
    with django_assert_num_queries(9) as few:
        client.get(reverse("neighbourhoods:partner", args=[partner.pk]))
    ActivityFactory.create_batch(10, partners=[partner])

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("neighbourhoods:partner", args=[partner.pk]))
