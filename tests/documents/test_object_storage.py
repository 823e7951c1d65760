"""Attestations on S3-compatible object storage (a real S3 API server, ``tests/object_storage.py``):
where the files land, their destruction, and a storage that fails during a generation."""

import pytest
from botocore.exceptions import EndpointConnectionError
from storages.backends.s3 import S3Storage

from documents.attestations.process import attestation_request_process
from documents.attestations.selectors import (
    attestation_request_can_retry,
    attestation_request_client_error,
)
from documents.attestations.submit import attestation_request_retry
from documents.attestations.validation import attestation_request_refuse
from documents.models import AttestationRequest, Document
from documents.services import attestation_generate
from tests import docx_models
from tests.documents.generation_helpers import stored_files, template_make
from tests.documents.validation_helpers import (
    attestation_template_make,
    request_held,
    request_submit,
    validation_template_make,
)
from tests.object_storage import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.libreoffice]

Status = AttestationRequest.Status


def pdf_object_text(bucket, key: str) -> str:
    body = bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read()
    return " ".join(docx_models.pdf_text(body).split())


def test_a_generated_attestation_lands_in_the_bucket_word_and_pdf(
    s3_storage, fleet, client_a_user, _private_storage
):
    contract, vehicle = fleet
    template = template_make(docx_models.attestation_model(), name="Attestation véhicule")

    document = attestation_generate(
        template=template, contract=contract, beneficiary=vehicle, values={},
        user=client_a_user, shared=True,
    )  # fmt: skip

    # Listed by the S3 API: the model, the Word file and the PDF; nothing on the local disk.
    assert s3_storage.keys("documents/") == sorted(
        [document.word_file.name, document.pdf_file.name]
    )
    assert s3_storage.keys("modeles/") == [template.file.name]
    assert stored_files(_private_storage) == []
    assert "GH-456-JK" in pdf_object_text(s3_storage, document.pdf_file.name)


def test_refusing_a_held_attestation_deletes_both_objects(
    s3_storage, fleet, client_a_user, other_staff, django_capture_on_commit_callbacks
):
    contract, vehicle = fleet
    validation_template_make(other_staff)
    template = attestation_template_make(contract, pdf=True)
    request = request_held(
        user=client_a_user, contract=contract, template=template, beneficiary=vehicle
    )
    document = request.document
    assert s3_storage.keys("documents/") == sorted(
        [document.word_file.name, document.pdf_file.name]
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_refuse(request=request, user=other_staff, reason="Non.")

    assert s3_storage.keys("documents/") == []
    assert not Document.objects.filter(pk=document.pk).exists()


# -- the storage fails during a generation ----------------------------------------------------


def _failed_for_storage(request: AttestationRequest) -> None:
    """Failed, retryable, the staff's « Stockage des fichiers indisponible », a client message,
    and nothing of it anywhere."""
    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert "Stockage des fichiers indisponible : " in request.error
    assert attestation_request_client_error(request).startswith(
        "Votre attestation n'a pas pu être enregistrée : le stockage des fichiers est "
        "momentanément indisponible."
    )
    assert attestation_request_can_retry(request)
    assert request.document is None
    assert not Document.objects.exists()


def _retried(request: AttestationRequest, user) -> AttestationRequest:
    attestation_request_retry(request=request, user=user)
    attestation_request_process(request_id=request.pk)
    request.refresh_from_db()
    return request


def test_a_bucket_out_of_reach_fails_the_request_and_a_retry_succeeds(
    s3_storage, fleet, client_a_user
):
    contract, vehicle = fleet
    template = attestation_template_make(contract, pdf=True)
    request = request_submit(
        user=client_a_user, contract=contract, template=template, beneficiary=vehicle
    )
    # Nothing listens there: every call of the storage is refused, at once.
    s3_storage.point_at(f"http://127.0.0.1:{free_port()}", max_attempts=1)

    attestation_request_process(request_id=request.pk)

    _failed_for_storage(request)
    assert "EndpointConnectionError" in request.error
    s3_storage.point_at(s3_storage.endpoint)
    assert s3_storage.keys("documents/") == []

    request = _retried(request, client_a_user)

    assert request.status == Status.READY
    document = Document.objects.get()
    assert request.document == document
    assert s3_storage.keys("documents/") == sorted(
        [document.word_file.name, document.pdf_file.name]
    )


def test_a_pdf_refused_after_the_word_file_leaves_nothing_stored(
    s3_storage, fleet, client_a_user, monkeypatch
):
    contract, vehicle = fleet
    template = attestation_template_make(contract, pdf=True)
    request = request_submit(
        user=client_a_user, contract=contract, template=template, beneficiary=vehicle
    )
    # The fault injected: the storage goes away between the Word file and the PDF.
    written: list[str] = []
    save = S3Storage._save

    def save_word_only(storage, name, content):
        if name.endswith(".pdf"):
            raise EndpointConnectionError(endpoint_url=s3_storage.endpoint)
        written.append(save(storage, name, content))
        return written[-1]

    monkeypatch.setattr(S3Storage, "_save", save_word_only)

    attestation_request_process(request_id=request.pk)

    _failed_for_storage(request)
    assert [name.rsplit(".", 1)[-1] for name in written] == ["docx"]  # it was written...
    assert s3_storage.keys("documents/") == []  # ... and deleted
    monkeypatch.setattr(S3Storage, "_save", save)

    request = _retried(request, client_a_user)

    assert request.status == Status.READY
    assert Document.objects.count() == 1
    assert len(s3_storage.keys("documents/")) == 2


def test_a_download_while_the_bucket_is_out_of_reach_says_so_in_french(
    s3_storage, fleet, client_a_user, as_a
):
    contract, vehicle = fleet
    template = attestation_template_make(contract, pdf=True)
    request = request_submit(
        user=client_a_user, contract=contract, template=template, beneficiary=vehicle
    )
    attestation_request_process(request_id=request.pk)
    document = Document.objects.get(shared_on_extranet=True)
    url = f"/extranet/documents/{document.pk}/telecharger/"
    assert as_a.get(url).status_code == 302  # to the signed URL
    s3_storage.point_at(f"http://127.0.0.1:{free_port()}", max_attempts=1)

    response = as_a.get(url)

    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Fichier momentanément indisponible" in page
    assert "Votre document n'est pas perdu" in page
    assert "no-store" in response["Cache-Control"]
