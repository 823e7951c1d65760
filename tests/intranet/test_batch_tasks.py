"""A batch's one validation task in the intranet: the page shows the batch (how many, each
beneficiary), « Valider » shares all, « Refuser » destroys all; strangers never reach it."""

import pytest
from django.urls import reverse

from documents.models import AttestationRequest, Document
from tasks.models import Task
from tests.documents.batch_helpers import batch_submit, fleet_grow
from tests.documents.request_helpers import fleet_offer_make
from tests.documents.validation_helpers import generated_files, validation_template_make
from tests.helpers import page_text, page_tree

pytestmark = pytest.mark.django_db

Status = AttestationRequest.Status


def url(name, *args) -> str:
    return reverse(f"intranet:{name}", args=args)


@pytest.fixture
def held(client_a, client_a_user, other_staff, django_capture_on_commit_callbacks):
    """Three vehicles' attestations (Word only) waiting for Bob's one decision."""
    offer = fleet_offer_make(client_a)
    fleet_grow(offer)
    validation_template_make(other_staff)
    with django_capture_on_commit_callbacks(execute=True):
        return batch_submit(offer, client_a_user)


def test_the_task_page_shows_the_batch(as_bob, held):
    response = as_bob.get(url("tasks_inbox_task", held.task_id))
    text = page_text(response)
    assert "Demande d'attestations groupée" in text
    assert "Attestation pour un événement – 3 véhicules" in text
    assert "3 / 3 générées" in text
    rows = page_tree(response).xpath("//tr[@class='attestation-batch-request']")
    assert [r.xpath("./td")[0].text_content() for r in rows] == [
        "AA-101-BB – Renault Master",
        "CC-202-DD – Renault Master",
        "GH-456-JK – Peugeot 308",
    ]
    assert all("En attente de validation" in r.text_content() for r in rows)
    assert "Salon de l'auto <Lyon> & co" in text  # the values typed once
    assert not page_tree(response).xpath("//input[@name='valider' and @disabled]")


def test_valider_shares_all(as_bob, held, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_bob.post(url("attestation_batch_approve", held.pk))
    assert response.status_code == 302
    assert response["Location"] == url("tasks_inbox_task", held.task_id)
    assert set(held.requests.values_list("status", flat=True)) == {Status.READY}
    assert Document.objects.filter(shared_on_extranet=True).count() == 3
    assert Task.objects.get(pk=held.task_id).status == Task.Status.APPROVED
    again = as_bob.post(url("attestation_batch_refuse", held.pk), follow=True)
    assert "déjà" in page_text(again)  # decided once
    assert Document.objects.count() == 3


def test_refuser_destroys_all(as_bob, held, _private_storage, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        as_bob.post(url("attestation_batch_refuse", held.pk), {"reason": "Flotte suspendue"})
    assert set(held.requests.values_list("status", flat=True)) == {Status.REFUSED}
    assert not Document.objects.exists()
    assert generated_files(_private_storage) == []


def test_buttons_wait_for_every_attestation(
    as_bob, client_a, client_a_user, other_staff, django_capture_on_commit_callbacks
):
    offer = fleet_offer_make(client_a)
    fleet_grow(offer)
    validation_template_make(other_staff)
    batch = batch_submit(offer, client_a_user)  # jobs not run
    response = as_bob.get(url("tasks_inbox_task", batch.task_id))
    assert page_tree(response).xpath("//input[@name='valider' and @disabled]")
    decided = as_bob.post(url("attestation_batch_approve", batch.pk), follow=True)
    assert "encore en cours de génération" in page_text(decided)
    assert Task.objects.get(pk=batch.task_id).is_open


def test_strangers_anonymous_and_wrong_method(client, held, carol, client_a_user):
    approve = url("attestation_batch_approve", held.pk)
    assert client.post(approve)["Location"].startswith("/intranet/login/")
    client.force_login(client_a_user)
    assert client.post(approve)["Location"].startswith("/intranet/login/")
    client.force_login(carol)  # staff who is no recipient: the task does not exist for her
    assert client.post(approve).status_code == 404
    assert client.post(url("attestation_batch_refuse", held.pk)).status_code == 404
    client.force_login(held.task.recipient_users.get())
    assert client.get(approve).status_code == 405
    assert client.post(url("attestation_batch_approve", 999999)).status_code == 404
    assert Task.objects.get(pk=held.task_id).is_open


def test_the_task_page_query_budget_with_200_vehicles(
    as_bob, client_a, client_a_user, other_staff, django_assert_max_num_queries
):
    offer = fleet_offer_make(client_a)
    fleet_grow(offer)
    validation_template_make(other_staff)
    batch = batch_submit(offer, client_a_user)  # jobs not run
    first = batch.requests.first()
    AttestationRequest.objects.bulk_create(
        AttestationRequest(
            user=client_a_user, contract=batch.contract, template=batch.template, batch=batch,
            task=batch.task, title=batch.title, beneficiary_label=f"AB-{n:03d}-CD",
        )
        for n in range(197)
    )  # fmt: skip
    url_ = url("tasks_inbox_task", batch.task_id)
    # 1 session, 2 user, 3-4 permissions (user, groups), 5 the task, 6 its first request
    # with the batch, 7 the batch's progress, 8 the model's fields, 9 may Bob decide, 10 the
    # 200 requests with their documents, 11 cabinet name, 12-13 recipients (users, groups).
    with django_assert_max_num_queries(13):
        response = as_bob.get(url_)
    assert len(page_tree(response).xpath("//tr[@class='attestation-batch-request']")) == 200
    assert first.task_id == batch.task_id
