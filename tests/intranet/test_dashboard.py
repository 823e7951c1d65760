"""« Tableau de bord » on the intranet's home page: for staff who may view attestation
requests, a chart of the last 30 days (one bar group per day, its figures in a table), the
validations waiting, the failures, the generation times; a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.models import AttestationEvent, AttestationRequest
from tests import factories
from tests.documents.request_helpers import fleet_offer_make, request_make
from tests.helpers import page_text, page_tree

Status = AttestationRequest.Status
URL = reverse("intranet:index")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


def _requests_over_30_days(offer, user, count: int) -> None:
    """``count`` requests spread over the last 30 days, in every state, with their events."""
    statuses = [
        Status.READY,
        Status.READY,
        Status.REFUSED,
        Status.FAILED,
        Status.AWAITING_VALIDATION,
    ]
    now = timezone.now()
    requests = AttestationRequest.objects.bulk_create(
        AttestationRequest(
            user=user, contract=offer.contract, template=offer.contract_model.template,
            title=f"Attestation {n}", status=statuses[n % len(statuses)],
            needs_validation=n % 2 == 0, error="Réessayez.\nDétail technique : boum",
            # Ten minutes inside each step: a request on the 7- or 30-day line stays in,
            # however long the page takes to come.
            created_at=now
            - datetime.timedelta(hours=n * 24 * 30 / count, minutes=-10 if n else 0),
        )
        for n in range(count)
    )  # fmt: skip
    events = []
    for request in requests:
        events.append(AttestationEvent(request=request, kind="submitted", at=request.created_at))
        generated = request.created_at + datetime.timedelta(milliseconds=300)
        events.append(AttestationEvent(request=request, kind="generated", at=generated))
    AttestationEvent.objects.bulk_create(events)


def test_staff_see_the_dashboard(as_staff, offer, client_a_user):
    task = factories.TaskFactory()
    request_make(offer, client_a_user, status=Status.AWAITING_VALIDATION, needs_validation=True,
                 task=task, created_at=timezone.now() - datetime.timedelta(hours=3))  # fmt: skip
    failed = request_make(offer, client_a_user, status=Status.FAILED,
                          error="Réessayez.\nDétail technique : ConversionError: boum")  # fmt: skip
    request_make(offer, client_a_user, status=Status.READY)
    now = timezone.now()
    second = datetime.timedelta(seconds=1)
    AttestationEvent.objects.bulk_create([
        AttestationEvent(request=failed, kind="submitted", at=now - second),
        AttestationEvent(request=failed, kind="generated", at=now - second / 2),
    ])  # fmt: skip

    response = as_staff.get(URL)

    assert response.status_code == 200
    text = page_text(response)
    assert "Tableau de bord" in text
    assert "Demandes par jour (30 derniers jours)" in text
    for label in ("Partagées d'emblée", "Validées", "Refusées", "En échec"):
        assert label in text
    tree = page_tree(response)
    (svg,) = tree.xpath("//*[@id='dashboard-chart']")
    assert svg.xpath("./title")[0].text == "Demandes par jour (30 derniers jours)"
    assert svg.xpath("./desc")
    assert len(svg.xpath("./g[@class='dashboard-day']")) == 30
    today = svg.xpath("./g[@class='dashboard-day']")[-1]
    assert today.get("data-day") == timezone.localdate().isoformat()
    assert len(today.xpath("./rect")) == 2  # shared at once, failed
    assert len(tree.xpath("//table[@id='dashboard-figures']/tbody/tr")) == 30
    last_row = [td.text for td in tree.xpath("//table[@id='dashboard-figures']/tbody/tr")[-1]]
    assert last_row[1:] == ["1", "0", "0", "1"]
    assert "Validations en attente (1)" in text
    (pending,) = tree.xpath("//ul[@id='dashboard-pending']/li")
    assert "demandée il y a 3" in pending.text_content()
    assert pending.xpath("./a/@href") == [reverse("intranet:tasks_inbox_task", args=[task.pk])]
    assert "Échecs à examiner (1)" in text
    (failure,) = tree.xpath("//ul[@id='dashboard-failures']/li")
    assert failure.xpath("./a/@href") == [
        reverse("intranet:documents_attestationrequest_change", args=[failed.pk])
    ]
    assert "ConversionError: boum" in failure.text_content()
    assert "Temps de génération (7 derniers jours) : médiane 500 ms, 95e centile 500 ms" in text


def test_staff_without_the_permission_do_not_see_it(client, carol, offer, client_a_user):
    request_make(offer, client_a_user, status=Status.FAILED, error="x\nDétail technique : boum")
    client.force_login(carol)

    response = client.get(URL)

    assert response.status_code == 200
    assert "Tableau de bord" not in page_text(response)
    assert not page_tree(response).xpath("//*[@id='dashboard-chart']")


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("intranet:login") in response["Location"]


def test_a_client_account_is_sent_to_login(as_a):
    response = as_a.get(URL)

    assert response.status_code == 302
    assert reverse("intranet:login") in response["Location"]


def test_the_home_page_answers_get_only(as_staff):
    assert as_staff.post(URL).status_code == 405


def test_the_home_page_costs_the_same_whatever_the_volume(
    as_staff, offer, client_a_user, django_assert_max_num_queries
):
    _requests_over_30_days(offer, client_a_user, 300)

    # session, user, open tasks, the user's and group's permissions (2), cabinet title,
    # Django's « Actions récentes »; the dashboard: counts by status, validations listed, per
    # day, failures listed, generation times. The same whatever the volume.
    with django_assert_max_num_queries(12):
        response = as_staff.get(URL)

    assert response.status_code == 200
    text = page_text(response)
    assert "Validations en attente (60)" in text
    assert "Échecs à examiner (60)" in text
    assert "médiane 300 ms, 95e centile 300 ms (71 générations)" in text  # the last 7 days
    assert (
        len(page_tree(response).xpath("//*[@id='dashboard-chart']/*[@class='dashboard-day']")) == 30
    )
