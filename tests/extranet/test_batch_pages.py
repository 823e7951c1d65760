"""« Tous les véhicules en cours (N) » on the extranet: the choice in the form, the batch's page
(progress, then the ZIP and the merged PDF), a failure and its « Réessayer », « Mes demandes »,
and nobody else's batch."""

import io
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from documents.attestations import process
from documents.models import AttestationBatch, AttestationRequest
from tests import docx_models
from tests.documents.batch_helpers import PLATES, batch_submit, fleet_grow
from tests.documents.request_helpers import EVENT_VALUES, fleet_offer_make, request_make
from tests.helpers import page_text, page_tree

Status = AttestationRequest.Status


@pytest.fixture
def offer(client_a):
    offer = fleet_offer_make(client_a)
    fleet_grow(offer)
    return offer


def batch_url(batch, name="attestation_batch"):
    return reverse(f"extranet:{name}", args=[batch.pk])


def form_url(offer):
    return reverse("extranet:attestation_request_new", args=[offer.contract.pk])


def zip_names(response) -> list[str]:
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return sorted(archive.namelist())


# -- the form ---------------------------------------------------------------------------------


def test_the_form_offers_every_current_vehicle_at_once(as_a, offer):
    response = as_a.get(form_url(offer))
    options = page_tree(response).xpath("//select[@name='beneficiaire']/option")
    assert [o.text_content() for o in options][:2] == [
        "Aucun véhicule en particulier : le contrat en général",
        "Tous les véhicules en cours (3)",
    ]
    # Chosen: the « Bénéficiaire » models, as for one vehicle, and their fields.
    response = as_a.get(form_url(offer), {"beneficiaire": "tous"})
    text = page_text(response)
    assert "Motif du déplacement" in text
    assert "Attestation du contrat" not in text


def test_one_vehicle_gets_no_all_option(as_a, client_a):
    offer = fleet_offer_make(client_a)
    response = as_a.get(form_url(offer))
    assert "Tous les véhicules" not in page_text(response)


def test_sending_for_every_vehicle_makes_a_batch_and_shows_its_page(as_a, offer):
    response = as_a.post(
        form_url(offer),
        {"beneficiaire": "tous", "modele": str(offer.vehicle_model.pk), "action": "send",
         **{f"champ_{k}": v for k, v in EVENT_VALUES.items()}},
    )  # fmt: skip
    batch = AttestationBatch.objects.get()
    assert response.status_code == 302 and response.url == batch_url(batch)
    assert batch.requests.count() == 3
    # Sent twice: the first one's page, nothing recorded.
    again = as_a.post(
        form_url(offer),
        {"beneficiaire": "tous", "modele": str(offer.vehicle_model.pk), "action": "send",
         **{f"champ_{k}": v for k, v in EVENT_VALUES.items()}},
    )  # fmt: skip
    assert again.url == batch_url(batch) and AttestationBatch.objects.count() == 1


# -- the batch's page -------------------------------------------------------------------------


def test_the_page_shows_the_progress_and_polls_while_it_runs(as_a, offer, client_a_user):
    batch = batch_submit(offer, client_a_user)  # jobs not run yet
    AttestationRequest.objects.filter(batch=batch, beneficiary__immatriculation="AA-101-BB").update(
        status=Status.READY
    )
    response = as_a.get(batch_url(batch))
    text = page_text(response)
    assert "Vos attestations sont en cours de génération" in text
    assert "1 / 3 générées" in text
    tree = page_tree(response)
    assert tree.xpath("//div[@id='batch-status']/@hx-get") == [batch_url(batch)]
    assert tree.xpath("//progress[@max='3' and @value='1']")
    assert b'<meta http-equiv="refresh"' in response.content  # without JavaScript
    assert "Salon de l'auto <Lyon> & co" in text  # the values typed once
    assert not tree.xpath("//a[contains(@href, 'attestations.zip')]")

    part = as_a.get(batch_url(batch), headers={"HX-Request": "true"})
    assert page_text(part).startswith("Vos attestations sont en cours de génération")
    assert "<html" not in part.content.decode()


def test_once_generated_the_zip_holds_one_file_per_plate(
    as_a, offer, client_a_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)
    response = as_a.get(batch_url(batch))
    text = page_text(response)
    assert "3 / 3 générées" in text and "Vos 3 attestations sont prêtes." in text
    tree = page_tree(response)
    assert not tree.xpath("//div[@id='batch-status']/@hx-get")  # no more polling
    assert tree.xpath(f"//a[@href='{batch_url(batch, 'attestation_batch_zip')}']")
    # A Word-only model: no merged PDF offered.
    assert not tree.xpath(f"//a[@href='{batch_url(batch, 'attestation_batch_pdf')}']")
    assert as_a.get(batch_url(batch, "attestation_batch_pdf")).status_code == 404

    download = as_a.get(batch_url(batch, "attestation_batch_zip"))
    assert download["Content-Type"] == "application/zip"
    assert download["Cache-Control"] == "private, no-store"
    disposition = download["Content-Disposition"]
    assert disposition == 'attachment; filename="Attestations FL-2026-0042.zip"'
    assert zip_names(download) == ["aa-101-bb.docx", "cc-202-dd.docx", "gh-456-jk.docx"]


def test_two_vehicles_with_one_label_get_two_names(
    as_a, client_a, client_a_user, django_capture_on_commit_callbacks
):
    offer = fleet_offer_make(client_a)
    fleet_grow(offer, plates=["GH-456-JK"])  # the same plate twice (a data entry slip)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)
    download = as_a.get(batch_url(batch, "attestation_batch_zip"))
    assert zip_names(download) == ["gh-456-jk-2.docx", "gh-456-jk.docx"]


@pytest.mark.libreoffice
def test_real_pdfs_one_per_plate_and_the_merged_pdf_has_one_page_each(
    as_a, client_a, client_a_user, django_capture_on_commit_callbacks
):
    offer = fleet_offer_make(client_a, pdf=True)
    fleet_grow(offer)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)

    data = b"".join(as_a.get(batch_url(batch, "attestation_batch_zip")).streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        assert names == ["aa-101-bb.pdf", "cc-202-dd.pdf", "gh-456-jk.pdf"]
        for name, plate in zip(names, sorted(PLATES, key=str.lower), strict=True):
            text = docx_models.pdf_text(archive.read(name))
            assert plate in text and "Motif : Salon de l'auto <Lyon> & co" in text

    merged = as_a.get(batch_url(batch, "attestation_batch_pdf"))
    assert merged["Content-Type"] == "application/pdf"
    pdf = b"".join(merged.streaming_content)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
    text = docx_models.pdf_text(pdf)
    assert all(plate in text for plate in PLATES)


def test_a_failure_is_listed_with_retry_and_the_others_are_delivered(
    as_a, offer, client_a_user, monkeypatch, django_capture_on_commit_callbacks
):
    real = process.attestation_generate

    def generate_but_one(**kwargs):
        if kwargs["beneficiary"].immatriculation == "CC-202-DD":
            raise RuntimeError("panne injectée")
        return real(**kwargs)

    monkeypatch.setattr(process, "attestation_generate", generate_but_one)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)
    response = as_a.get(batch_url(batch))
    text = page_text(response)
    assert "2 / 3 générées · 1 en échec" in text
    assert "1 attestation n'a pas pu être générée" in text
    assert "CC-202-DD" in text and "Une erreur inattendue" in text
    assert "panne injectée" not in text  # the technical detail is for staff
    assert zip_names(as_a.get(batch_url(batch, "attestation_batch_zip"))) == [
        "aa-101-bb.docx",
        "gh-456-jk.docx",
    ]

    failed = batch.requests.get(status=Status.FAILED)
    retry = reverse("extranet:attestation_request_retry", args=[failed.pk])
    assert page_tree(response).xpath(f"//form[@action='{retry}']")
    monkeypatch.setattr(process, "attestation_generate", real)
    with django_capture_on_commit_callbacks(execute=True):
        back = as_a.post(retry)
    assert back.status_code == 302 and back.url == batch_url(batch)  # back on the batch
    assert "3 / 3 générées" in page_text(as_a.get(batch_url(batch)))
    assert len(zip_names(as_a.get(batch_url(batch, "attestation_batch_zip")))) == 3


def test_under_validation_nothing_is_downloadable_until_validated(
    as_a, offer, client_a_user, other_staff, django_capture_on_commit_callbacks
):
    from tests.documents.validation_helpers import validation_template_make

    validation_template_make(other_staff)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)
    text = page_text(as_a.get(batch_url(batch)))
    assert "transmise au cabinet" in text and "3 / 3 générées" in text
    assert as_a.get(batch_url(batch, "attestation_batch_zip")).status_code == 404


# -- nobody else's ----------------------------------------------------------------------------


def test_client_b_never_reaches_as_batch_nor_its_files(
    client, offer, client_a_user, client_b_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)
    client.force_login(client_b_user)
    for name in ("attestation_batch", "attestation_batch_zip", "attestation_batch_pdf"):
        assert client.get(batch_url(batch, name)).status_code == 404
        part = client.get(batch_url(batch, name), headers={"HX-Request": "true"})
        assert part.status_code == 404
    member = batch.requests.first()
    for url in (
        reverse("extranet:attestation_request", args=[member.pk]),
        reverse("extranet:document_download", args=[member.document_id]),
    ):
        assert client.get(url).status_code == 404


def test_a_colleague_of_the_same_client_follows_the_batch(
    client, offer, client_a, client_a_user, django_capture_on_commit_callbacks
):
    from tests import factories

    colleague = factories.UserFactory(username="paul@dupont.fr")
    factories.ExtranetAccessFactory(user=colleague, client=client_a)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)
    client.force_login(colleague)
    assert client.get(batch_url(batch, "attestation_batch_zip")).status_code == 200


# -- « Mes demandes » -------------------------------------------------------------------------


def test_my_requests_shows_a_batch_as_one_row(
    as_a, offer, client_a_user, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    request_make(offer, client_a_user, title="Carte verte")
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)
    # 1 session, 2 user, 3 clients (client_required), 4 count (paginator), 5 the page of
    # requests (a batch's first one only) with contract, document and batch, 6 the batches'
    # progress, 7 cabinet name, 8 the account's contracts (the « Contrat » filter).
    with django_assert_max_num_queries(8):
        response = as_a.get(reverse("extranet:attestation_requests"))
    rows = page_tree(response).xpath("//tbody/tr")
    assert len(rows) == 2
    first = rows[0]
    assert first.xpath(f".//a[@href='{batch_url(batch)}']")
    assert "3 attestations (demande groupée)" in first.text_content()
    assert "3 / 3 disponibles" in first.text_content()
    assert first.xpath(f".//a[@href='{batch_url(batch, 'attestation_batch_zip')}']")
    assert "Carte verte" in rows[1].text_content()


def test_the_batch_page_query_budget_with_120_vehicles(
    as_a, offer, client_a_user, django_assert_max_num_queries
):
    batch = AttestationBatch.objects.create(
        user=client_a_user, contract=offer.contract, template=offer.vehicle_model.template,
        title="Attestation pour un événement", values=dict(EVENT_VALUES),
    )  # fmt: skip
    AttestationRequest.objects.bulk_create(
        AttestationRequest(
            user=client_a_user, contract=offer.contract, template=batch.template, batch=batch,
            title=batch.title, beneficiary_label=f"AB-{n:03d}-CD",
            status=Status.FAILED if n % 10 == 0 else Status.GENERATING,
        )
        for n in range(120)
    )  # fmt: skip
    # 1 session, 2 user, 3 clients (client_required), 4 the batch with contract, product and
    # model, 5 its progress (one aggregate), 6 the failed ones, 7 the model's fields (labels
    # of the values), 8 cabinet name.
    with django_assert_max_num_queries(8):
        response = as_a.get(batch_url(batch))
    text = page_text(response)
    assert "0 / 120 générées · 12 en échec" in text
    assert len(page_tree(response).xpath("//ul[@class='batch-failed__list']/li")) == 12
    with django_assert_max_num_queries(7):  # the polled part: no page frame
        as_a.get(batch_url(batch), headers={"HX-Request": "true"})


def test_a_failure_retried_after_the_batch_was_validated_gets_a_task_of_its_own(
    as_a, offer, client_a_user, other_staff, monkeypatch, django_capture_on_commit_callbacks
):
    from documents.attestations.validation import (
        attestation_batch_approve,
        attestation_request_approve,
    )
    from tests.documents.validation_helpers import validation_template_make

    validation_template_make(other_staff)
    real = process.attestation_generate

    def generate_but_one(**kwargs):
        if kwargs["beneficiary"].immatriculation == "CC-202-DD":
            raise RuntimeError("panne injectée")
        return real(**kwargs)

    monkeypatch.setattr(process, "attestation_generate", generate_but_one)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(offer, client_a_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_batch_approve(batch=batch, user=other_staff)
    monkeypatch.setattr(process, "attestation_generate", real)
    failed = batch.requests.get(status=Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        as_a.post(reverse("extranet:attestation_request_retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert failed.status == Status.AWAITING_VALIDATION
    assert failed.task_id not in (None, batch.task_id)  # decided on its own

    text = page_text(as_a.get(batch_url(batch)))
    assert "Vos 2 attestations sont prêtes." in text
    assert "1 autre attend la validation du cabinet." in text
    assert len(zip_names(as_a.get(batch_url(batch, "attestation_batch_zip")))) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_approve(request=failed, user=other_staff)
    assert len(zip_names(as_a.get(batch_url(batch, "attestation_batch_zip")))) == 3
