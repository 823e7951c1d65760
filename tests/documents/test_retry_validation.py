"""A retry asks « does this request need validation? » again, as on the first day: a
validation switched on since the failure holds the attestation for staff, one switched off
shares it at once (and closes the task nobody needs to decide any more)."""

import pytest
from django.urls import reverse

from documents.models import AttestationRequest, Document
from tasks.models import Task
from tests.documents.validation_helpers import (
    attestation_template_make,
    request_submit,
    validation_template_make,
)

pytestmark = pytest.mark.django_db

Status = AttestationRequest.Status
REQUESTS_URL = reverse("intranet:documents_attestationrequest_changelist")


@pytest.fixture
def contract(fleet):
    return fleet[0]


@pytest.fixture
def vehicle(fleet):
    return fleet[1]


@pytest.fixture
def template(contract):
    return attestation_template_make(contract)


def _generation_breaks(monkeypatch):
    def broken(**kwargs):  # fault injected: the generation fails once
        raise RuntimeError("panne de test")

    monkeypatch.setattr("documents.attestations.process.attestation_generate", broken)


@pytest.fixture
def failed(
    client_a_user, contract, vehicle, template, monkeypatch, django_capture_on_commit_callbacks
):
    """A request sent while no validation applied, whose generation failed."""
    _generation_breaks(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )
    monkeypatch.undo()
    request.refresh_from_db()
    assert request.status == Status.FAILED and request.task_id is None
    return request


def _client_retries(client, user, request, capture):
    client.force_login(user)
    with capture(execute=True):
        client.post(reverse("extranet:attestation_request_retry", args=[request.pk]))
    request.refresh_from_db()
    return request


def _staff_relaunches(client, user, request, capture):
    client.force_login(user)
    with capture(execute=True):
        client.post(REQUESTS_URL, {"action": "retry_generation", "_selected_action": [request.pk]})
    request.refresh_from_db()
    return request


def test_a_client_retry_after_validation_was_switched_on_is_held_for_staff(
    client, client_a_user, other_staff, failed, django_capture_on_commit_callbacks
):
    validation_template_make(other_staff)

    request = _client_retries(client, client_a_user, failed, django_capture_on_commit_callbacks)

    assert request.status == Status.AWAITING_VALIDATION
    assert request.needs_validation
    assert request.task.is_open and other_staff in request.task.recipient_users.all()
    assert not Document.objects.get(pk=request.document_id).shared_on_extranet


def test_a_staff_relaunch_after_validation_was_switched_on_is_held_too(
    client, staff_user, other_staff, failed, django_capture_on_commit_callbacks
):
    validation_template_make(other_staff)

    request = _staff_relaunches(client, staff_user, failed, django_capture_on_commit_callbacks)

    assert request.status == Status.AWAITING_VALIDATION
    assert request.task is not None and request.task.is_open
    assert not Document.objects.get(pk=request.document_id).shared_on_extranet


def test_a_retry_after_validation_was_switched_off_is_shared_at_once(
    client,
    client_a_user,
    other_staff,
    contract,
    vehicle,
    template,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    validation = validation_template_make(other_staff)
    _generation_breaks(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )
    monkeypatch.undo()
    request.refresh_from_db()
    assert request.status == Status.FAILED and request.task.is_open
    validation.is_active = False
    validation.save()

    request = _client_retries(client, client_a_user, request, django_capture_on_commit_callbacks)

    assert request.status == Status.READY
    assert not request.needs_validation
    assert Document.objects.get(pk=request.document_id).shared_on_extranet
    assert request.task.status == Task.Status.CANCELLED  # nobody is left to decide it


def test_a_retry_while_validation_still_applies_keeps_its_one_task(
    client,
    client_a_user,
    other_staff,
    contract,
    vehicle,
    template,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    validation_template_make(other_staff)
    _generation_breaks(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )
    monkeypatch.undo()
    request.refresh_from_db()
    first_task = request.task_id

    request = _client_retries(client, client_a_user, request, django_capture_on_commit_callbacks)

    assert request.status == Status.AWAITING_VALIDATION
    assert request.task_id == first_task and request.task.is_open
    assert Task.objects.count() == 1
