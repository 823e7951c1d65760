"""A client asks for an attestation in a real browser, from login to the downloaded PDF."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from documents.models import AttestationRequest, DocumentTemplate, ProductAttestationModel
from documents.services import document_template_sync_fields
from tests import docx_models, factories
from tests.browser.conftest import log_in
from tests.documents.generation_helpers import template_make
from tests.documents.request_helpers import fleet_offer_make, unpaid_contract_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARLIE = "charlie@dupont.fr"  # client_a_user


def test_a_client_requests_a_vehicle_attestation_and_downloads_the_pdf(
    page, live_server, shots, client_a, client_a_user, settings
):
    # One-shot LibreOffice (~1.5 s a document), as on a machine without the converter pool:
    # long enough for the client to see the progress before the link.
    settings.CONVERTER_PORTS = []
    fleet_offer_make(client_a, pdf=True, green_card=True)

    log_in(page, live_server, CHARLIE)
    shots(page, "mes-contrats")
    page.get_by_role("link", name="FL-2026-0042").click()
    page.get_by_role("link", name="Documents", exact=True).click()
    shots(page, "onglet-documents")
    page.get_by_role("link", name="Demander une attestation").click()

    # On the contract in general: its only model, so no choice and no title.
    vehicle = page.get_by_label("Véhicule concerné")
    expect(vehicle).to_have_value("")
    expect(page.locator("select[name=modele]")).to_have_count(0)
    shots(page, "formulaire")

    # A vehicle: htmx redraws the form with the « Bénéficiaire » models only.
    vehicle.select_option(label="GH-456-JK – Peugeot 308")
    models = page.get_by_label("Attestation", exact=True)
    expect(models).to_be_visible()
    assert models.locator("option").all_inner_texts() == [
        "Attestation pour un événement",
        "Carte verte provisoire",
    ]
    expect(page.locator("#attestation-form")).not_to_contain_text("Attestation du contrat")
    expect(page.get_by_label("Motif du déplacement")).to_have_value("Salon professionnel")
    shots(page, "vehicule-choisi")

    page.get_by_label("Motif du déplacement").fill("Salon de l'auto <Lyon> & co")
    page.get_by_label("Date de début").fill("01/12/2026")
    page.get_by_label("Date de fin").fill("03/12/2026")
    shots(page, "formulaire-rempli")
    page.get_by_role("button", name="Envoyer la demande").click()

    expect(page.get_by_text("Votre attestation est en cours de génération")).to_be_visible()
    shots(page, "generation-en-cours")
    page.evaluate("window.sameDocument = true")
    link = page.get_by_role("link", name="Télécharger l'attestation (PDF)")
    expect(link).to_be_visible(timeout=90_000)
    # Updated in place by htmx's polling, not by reloading the page.
    assert page.evaluate("window.sameDocument === true")
    expect(page.get_by_text("Votre attestation est en cours de génération")).to_have_count(0)
    shots(page, "attestation-prete")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    saved = shots.folder / "attestation.pdf"
    download.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF-") and download.suggested_filename.endswith(".pdf")
    text = docx_models.pdf_text(pdf)
    assert "GH-456-JK" in text
    assert "Motif : Salon de l'auto <Lyon> & co" in text
    assert "Du 01/12/2026 au 03/12/2026" in text
    request = AttestationRequest.objects.get()
    assert request.status == AttestationRequest.Status.READY
    assert request.document.numero in text

    # At once in the contract's « Documents » tab, and in « Mes demandes ».
    page.get_by_role("link", name="FL-2026-0042").click()
    page.get_by_role("link", name="Documents", exact=True).click()
    expect(page.get_by_text(request.document.title)).to_be_visible()
    shots(page, "onglet-documents-avec-attestation")
    page.get_by_role("link", name="Mes demandes").click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Attestation pour un événement")
    expect(row).to_contain_text(request.document.numero)  # its number and state
    expect(row.locator(".badge--attestation-valid, .badge--attestation-upcoming")).to_be_visible()
    expect(row.get_by_role("link", name="Télécharger")).to_be_visible()
    shots(page, "mes-demandes")


def test_on_an_unpaid_contract_the_button_is_disabled_with_its_reason(
    page, live_server, shots, client_a, client_a_user
):
    offer = fleet_offer_make(client_a)
    contract = unpaid_contract_make(client_a, offer.contract.product)

    log_in(page, live_server, CHARLIE)
    page.goto(live_server.url + reverse("extranet:contract_documents", args=[contract.pk]))

    button = page.get_by_role("button", name="Demander une attestation")
    expect(button).to_be_disabled()
    reason = (
        "Vous ne pouvez pas demander d'attestation pour ce contrat pour le moment. "
        "La quittance couvrant la date du jour n'est pas entièrement réglée."
    )
    expect(button).to_have_accessible_description(reason)
    expect(page.get_by_text(reason)).to_be_visible()
    expect(page.get_by_role("link", name="Demander une attestation")).to_have_count(0)
    shots(page, "bouton-desactive")


def test_a_product_with_one_model_shows_no_choice_and_gives_a_word_file(
    page, live_server, shots, client_a, client_a_user
):
    """RC Pro: no beneficiaries, one « Contrat » model without PDF conversion."""
    product = factories.ProductFactory(name="RC Pro", beneficiary_kind="")
    contract = factories.ContractFactory(
        client=client_a, product=product, numero="RC-2026-0007",
        date_effet=datetime.date(2025, 1, 1),
    )  # fmt: skip
    factories.paid_quittance(contract)
    template = template_make(
        docx_models.attestation_model(fields=True, beneficiary=False),
        name="Attestation RC Pro – événement",
        entity=DocumentTemplate.Entity.CONTRAT,
        pdf_conversion=False,
    )
    document_template_sync_fields(
        template=template, unknown_tags=["motif", "date_debut", "date_fin"]
    )
    ProductAttestationModel.objects.create(product=product, template=template)

    log_in(page, live_server, CHARLIE)
    page.goto(live_server.url + reverse("extranet:attestation_request_new", args=[contract.pk]))
    form = page.locator("#attestation-form")
    expect(form.locator("select")).to_have_count(0)  # no beneficiary, no model to choose
    expect(form).not_to_contain_text("Attestation RC Pro")
    expect(page.get_by_label("Motif")).to_be_visible()
    shots(page, "formulaire-un-seul-modele")

    page.get_by_label("Motif").fill("Forum des métiers")
    page.get_by_label("Date début").fill("2026-12-01")  # the ISO form a date picker sends
    page.get_by_label("Date fin").fill("02/12/2026")
    page.get_by_role("button", name="Envoyer la demande").click()
    link = page.get_by_role("link", name="Télécharger l'attestation (Word)")
    expect(link).to_be_visible(timeout=30_000)
    shots(page, "attestation-word-prete")
    with page.expect_download() as download_info:
        link.click()
    saved = shots.folder / "attestation.docx"
    download_info.value.save_as(saved)
    text = docx_models.docx_text(saved.read_bytes())
    assert "RC-2026-0007" in text and "Motif : Forum des métiers" in text
    assert "Du 01/12/2026 au 02/12/2026" in text


def test_the_form_works_without_javascript(
    page_without_js, live_server, shots, client_a, client_a_user
):
    page = page_without_js
    fleet_offer_make(client_a, green_card=True)

    log_in(page, live_server, CHARLIE)
    page.get_by_role("link", name="FL-2026-0042").click()
    page.get_by_role("link", name="Documents", exact=True).click()
    page.get_by_role("link", name="Demander une attestation").click()
    page.get_by_label("Véhicule concerné").select_option(label="GH-456-JK – Peugeot 308")
    page.get_by_role("button", name="Mettre à jour le formulaire").click()
    expect(page.get_by_label("Attestation", exact=True)).to_be_visible()
    shots(page, "sans-javascript-vehicule-choisi")

    # A wrong date first: the error is shown next to its field, what was typed is kept.
    page.get_by_label("Motif du déplacement").fill("Rallye des Alpes")
    page.get_by_label("Date de début").fill("31/02/2026")
    page.get_by_label("Date de fin").fill("03/12/2026")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator("#id_champ_date_debut_error")).to_have_text(
        "Cette date n'existe pas : vérifiez le jour et le mois."
    )
    expect(page.get_by_label("Motif du déplacement")).to_have_value("Rallye des Alpes")
    shots(page, "sans-javascript-erreur")

    page.get_by_label("Date de début").fill("01/12/2026")
    page.get_by_role("button", name="Envoyer la demande").click()
    # The page reloads itself (meta refresh) until the link is there.
    expect(page.get_by_role("link", name="Télécharger l'attestation (Word)")).to_be_visible(
        timeout=30_000
    )
    shots(page, "sans-javascript-attestation-prete")
    assert AttestationRequest.objects.get().values["motif"] == "Rallye des Alpes"
