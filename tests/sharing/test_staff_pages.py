"""Staff see who an attestation was sent to: on the document's page, on its request's page and
on its validation task's page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.models import AttestationRequest
from sharing.models import DocumentSend, Role
from tasks.models import TaskType
from tests import factories
from tests.helpers import page_text

from .helpers import send_make


@pytest.fixture
def sent(attestation_a, client_a_user):
    send, _token = send_make(
        attestation_a,
        sent_by=client_a_user,
        recipient_name="M. Roux <BTP>",
        recipient_email="roux@btp.fr",
        recipient_role=Role.MAITRE_OUVRAGE,
        message="Chantier rue <b>Pasteur</b>",
        copy_to_sender=True,
    )
    DocumentSend.objects.filter(pk=send.pk).update(
        first_opened_at=send.sent_at, opened_count=3, downloaded_at=send.sent_at, download_count=1
    )
    return send


@pytest.fixture
def attestation_request(attestation_a, contract_a, client_a_user, staff_user):
    task = factories.TaskFactory(
        type=TaskType.VALIDATION_EXTRANET, client=contract_a.client, recipient_users=[staff_user]
    )
    return AttestationRequest.objects.create(
        user=client_a_user, contract=contract_a, title="Attestation flotte", task=task,
        status=AttestationRequest.Status.READY, document=attestation_a,
    )  # fmt: skip


def expected_row(send) -> str:
    when = timezone.localtime(send.sent_at)
    at = f"{when:%d/%m/%Y %H:%M}"
    expires = timezone.localtime(send.expires_at)
    return (
        f"{at} charlie@dupont.fr (copie demandée) M. Roux <BTP> <roux@btp.fr> – Maître d'ouvrage "
        f"Chantier rue <b>Pasteur</b> {at} (3 fois) {at} (1 fois) valable jusqu'au "
        f"{expires:%d/%m/%Y}"
    )


def test_the_document_page_lists_its_sends(as_staff, attestation_a, sent):
    response = as_staff.get(reverse("intranet:documents_document_change", args=[attestation_a.pk]))
    assert response.status_code == 200
    assert "Envois à des tiers" in page_text(response)
    assert expected_row(sent) in page_text(response)
    html = response.content.decode()
    assert "&lt;b&gt;Pasteur&lt;/b&gt;" in html and "<b>Pasteur" not in html


def test_the_document_page_says_when_there_is_none(as_staff, attestation_a):
    response = as_staff.get(reverse("intranet:documents_document_change", args=[attestation_a.pk]))
    assert "Aucun envoi." in page_text(response)


def test_the_request_page_lists_the_sends_with_its_history(as_staff, attestation_request, sent):
    url = reverse("intranet:documents_attestationrequest_change", args=[attestation_request.pk])
    response = as_staff.get(url)
    assert response.status_code == 200
    assert expected_row(sent) in page_text(response)


def test_the_validation_task_page_lists_the_sends(as_staff, attestation_request, sent):
    response = as_staff.get(
        reverse("intranet:tasks_inbox_task", args=[attestation_request.task_id])
    )
    assert response.status_code == 200
    page = page_text(response)
    assert page.index("Historique de la demande") < page.index("Envois à des tiers")
    assert expected_row(sent) in page


def test_an_expired_link_reads_expired(as_staff, attestation_a, client_a_user):
    send_make(attestation_a, expired=True, sent_by=client_a_user)
    response = as_staff.get(reverse("intranet:documents_document_change", args=[attestation_a.pk]))
    assert "valable jusqu'au" not in page_text(response).split("Envois à des tiers")[-1]
    assert " expiré" in page_text(response)
