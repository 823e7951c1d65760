"""Prior validation end to end, in headless Chromium.

A client sends a request under validation and reads that it went to the cabinet; Bob, the
task's recipient, opens « Mes tâches », opens the attestation from the task, and clicks
« Valider » (the client then downloads the PDF) or « Refuser » with a reason (the client
then reads it). Screenshots of every step go to ``test-artifacts/<test>/``.

Uses ``tests/browser/conftest.py`` (Chromium, screenshots, the extranet login); the staff
member gets a browser context of their own, as a second person at another desk would.
"""

import re

import pytest
from playwright.sync_api import expect

from documents.models import AttestationRequest, Document
from tests import docx_models, factories
from tests.browser.conftest import PASSWORD, log_in
from tests.documents.generation_helpers import cabinet_make
from tests.documents.validation_helpers import (
    attestation_template_make,
    generated_files,
    validation_template_make,
)

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

REASON = "Le véhicule n'est plus assuré pour les déplacements à l'étranger."


@pytest.fixture
def cabinet_setup(client_a, client_a_user, other_staff):
    """An unpaid fleet contract (a client could not ask without validation), a vehicle, the
    PDF attestation model with its fields, and Bob as the validation task's recipient."""
    cabinet_make()
    product = factories.ProductFactory(name="Flotte automobile")
    contract = factories.ContractFactory(numero="FL-2026-0042", client=client_a, product=product)
    factories.QuittanceFactory(contract=contract)  # issued, not paid
    vehicle = factories.VehicleFactory(
        contract=contract, immatriculation="GH-456-JK", marque="Peugeot", modele="308"
    )
    attestation_template_make(contract, pdf=True)
    validation_template_make(other_staff, subject="Attestation à valider")
    return contract, vehicle


@pytest.fixture
def staff_page(chromium):
    context = chromium.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def client_sends_request(page, live_server, shots, contract) -> AttestationRequest:
    log_in(page, live_server, "charlie@dupont.fr")
    page.goto(f"{live_server.url}/extranet/contrats/{contract.pk}/documents/")
    page.get_by_role("link", name="Demander une attestation").click()
    expect(page.get_by_text("Votre demande sera transmise au cabinet")).to_be_visible()
    page.get_by_label("Véhicule concerné").select_option(label="GH-456-JK – Peugeot 308")
    page.wait_for_load_state("networkidle")  # htmx redraws the form for that choice
    page.get_by_label("Motif de l'attestation").fill("Salon Equip Auto")
    page.get_by_label("Date début").fill("01/12/2026")
    page.get_by_label("Date fin").fill("05/12/2026")
    shots(page, "formulaire")
    page.get_by_role("button", name="Envoyer la demande").click()

    # The generation's progress, then the message: sent to the cabinet, not shared.
    expect(
        page.get_by_text("Votre demande a été transmise au cabinet pour traitement")
    ).to_be_visible(timeout=60_000)
    expect(page.get_by_role("link", name=re.compile("Télécharger"))).to_have_count(0)
    shots(page, "demande-transmise")
    page.goto(f"{live_server.url}/extranet/demandes/")
    expect(page.get_by_text("En attente de validation")).to_be_visible()
    shots(page, "mes-demandes-en-attente")
    request = AttestationRequest.objects.get()
    assert request.status == AttestationRequest.Status.AWAITING_VALIDATION
    return request


def staff_opens_the_task(page, live_server, shots, request) -> None:
    page.goto(f"{live_server.url}/intranet/login/")
    page.fill("#id_username", "bob")
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name="1 tâche à traiter").click()
    expect(page).to_have_url(re.compile(r"/intranet/mes-taches/$"))
    shots(page, "mes-taches")
    page.get_by_role("link", name=re.compile("Attestation à valider")).click()
    block = page.locator("#attestation-request")
    expect(block).to_contain_text("charlie@dupont.fr")
    expect(block).to_contain_text("FL-2026-0042")
    expect(block).to_contain_text("GH-456-JK – Peugeot 308")
    expect(block).to_contain_text("Salon Equip Auto")
    shots(page, "tache")

    # « Ouvrir l'attestation »: the generated PDF, at once, in a new tab.
    with page.context.expect_event(
        "response", lambda r: re.search(r"/intranet/documents/\d+/fichier/$", r.url)
    ) as opened:
        page.get_by_role("link", name="Ouvrir l'attestation").click()
    response = opened.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    # The tab's viewer holds the bytes; the same URL, with the same session, gives them.
    text = docx_models.pdf_text(page.request.get(response.url).body())
    assert request.numero in text and "Salon Equip Auto" in text
    for other in page.context.pages[1:]:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_validated_request_the_client_then_downloads_it(
    page, staff_page, live_server, shots, cabinet_setup, tmp_path
):
    contract, _vehicle = cabinet_setup
    request = client_sends_request(page, live_server, shots, contract)
    document = request.document
    assert not document.shared_on_extranet
    # The pending document answers 404 to its client, by its URL.
    assert (
        page.request.get(f"{live_server.url}/extranet/documents/{document.pk}/telecharger/").status
        == 404
    )

    staff_opens_the_task(staff_page, live_server, shots, request)
    staff_page.get_by_role("button", name="Valider").click()
    expect(staff_page.get_by_text("L'attestation est validée")).to_be_visible()
    expect(staff_page.locator("#attestation-status")).to_have_text("Disponible")
    shots(staff_page, "validee")

    page.goto(f"{live_server.url}/extranet/demandes/{request.pk}/")
    expect(page.get_by_text("Votre attestation est prête.")).to_be_visible()
    shots(page, "attestation-prete")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Télécharger l'attestation (PDF)").click()
    saved = tmp_path / "attestation.pdf"
    downloading.value.save_as(saved)
    assert request.numero in docx_models.pdf_text(saved.read_bytes())
    page.goto(f"{live_server.url}/extranet/contrats/{contract.pk}/documents/")
    expect(page.get_by_text(request.numero)).to_be_visible()
    shots(page, "documents")
    assert Document.objects.get(pk=document.pk).shared_on_extranet


@pytest.mark.django_db(transaction=True)
def test_refused_request_the_client_reads_the_reason(
    page, staff_page, live_server, shots, cabinet_setup, _private_storage
):
    contract, _vehicle = cabinet_setup
    request = client_sends_request(page, live_server, shots, contract)
    assert len(generated_files(_private_storage)) == 2  # the Word file and the PDF

    staff_opens_the_task(staff_page, live_server, shots, request)
    staff_page.get_by_label("Motif du refus").fill(REASON)
    staff_page.get_by_role("button", name="Refuser").click()
    expect(staff_page.get_by_text("La demande est refusée")).to_be_visible()
    expect(staff_page.locator("#attestation-history")).to_contain_text("Attestation détruite")
    shots(staff_page, "refusee")

    page.goto(f"{live_server.url}/extranet/demandes/{request.pk}/")
    expect(page.get_by_text("Votre demande a été refusée.")).to_be_visible()
    expect(page.get_by_text(f"Motif : {REASON}")).to_be_visible()
    shots(page, "refus-lu-par-le-client")
    page.goto(f"{live_server.url}/extranet/demandes/")
    expect(page.get_by_text("Refusée")).to_be_visible()
    assert generated_files(_private_storage) == []
    assert not Document.objects.exists()
