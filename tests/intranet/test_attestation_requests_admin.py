"""Staff relaunch a failed generation from « Demandes d'attestation » in one click."""

import pytest
from django.urls import reverse

from documents.attestations.submit import attestation_request_submit
from documents.engine import ConversionError
from documents.models import AttestationEvent, AttestationRequest, Document
from tests.documents.request_helpers import EVENT_VALUES, fleet_offer_make

Status = AttestationRequest.Status


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_staff_relaunch_a_failed_request_and_it_ends_ready(
    client, staff_user, client_a, client_a_user, monkeypatch, django_capture_on_commit_callbacks
):
    offer = fleet_offer_make(client_a, pdf=True)

    def converter_down(docx, **kwargs):  # fault injected: LibreOffice down
        raise ConversionError("Aucun convertisseur PDF n'est disponible (test).")

    monkeypatch.setattr("documents.engine.convert_to_pdf", converter_down)
    with django_capture_on_commit_callbacks(execute=True):
        request = attestation_request_submit(
            user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
            product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
        )  # fmt: skip
    request.refresh_from_db()
    assert request.status == Status.FAILED
    monkeypatch.undo()  # the converter is back

    client.force_login(staff_user)
    url = reverse("intranet:documents_attestationrequest_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"action": "retry_generation", "_selected_action": [request.pk]},
            follow=True,
        )

    assert "génération relancée" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.READY
    document = Document.objects.get(pk=request.document_id, shared_on_extranet=True)
    assert document.pdf_file.read().startswith(b"%PDF")
    retried = request.events.get(kind=AttestationEvent.Kind.RETRIED)
    assert retried.actor == staff_user


@pytest.mark.django_db
def test_relaunching_a_request_that_did_not_fail_says_so(
    client, staff_user, client_a, client_a_user, django_capture_on_commit_callbacks
):
    offer = fleet_offer_make(client_a, pdf=False)
    with django_capture_on_commit_callbacks(execute=True):
        request = attestation_request_submit(
            user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
            product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
        )  # fmt: skip
    client.force_login(staff_user)

    response = client.post(
        reverse("intranet:documents_attestationrequest_changelist"),
        {"action": "retry_generation", "_selected_action": [request.pk]},
        follow=True,
    )

    assert "n&#x27;est pas en échec" in response.content.decode()
    assert AttestationRequest.objects.get(pk=request.pk).attempts == 1
