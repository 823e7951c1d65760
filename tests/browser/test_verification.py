"""A third party checks an attestation in a real browser: the client downloads it, the QR
code printed on it is read back from the PDF, the page it opens (no account) says it is
valid; staff revoke it in the intranet; the same page now says so."""

import re

import pytest
from playwright.sync_api import expect

from documents.models import Document, ProductAttestationModel
from tests import docx_models
from tests.browser.conftest import PASSWORD, _context, log_in
from tests.documents.generation_helpers import template_make
from tests.documents.request_helpers import fleet_offer_make
from tests.qr import pdf_qr_codes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.libreoffice,
    pytest.mark.django_db(transaction=True),
]

PUBLIC_REASON = "Véhicule vendu le 20/11/2026"
INTERNAL_REASON = "Appel du client : cession du véhicule, carte grise barrée reçue."


@pytest.fixture
def staff_page(chromium):
    context = chromium.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def stranger_page(chromium):
    """A fresh browser: no cookie, no account (the landlord, the police, an organiser)."""
    context = _context(chromium)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_third_party_scans_the_qr_code_then_sees_the_revocation(
    page, staff_page, stranger_page, live_server, shots, client_a, client_a_user, other_staff,
    settings,
):  # fmt: skip
    settings.SITE_URL = live_server.url  # what the QR code points at
    offer = fleet_offer_make(client_a, pdf=True, vehicle_model=False)
    template = template_make(
        docx_models.verified_model(), name="Attestation vérifiable", pdf_conversion=True
    )
    template.fields.create(name="motif", label="Motif", required=False)
    ProductAttestationModel.objects.filter(product=offer.contract.product).update(template=template)
    other_staff.is_superuser = True  # the change right on documents
    other_staff.save()

    # The client asks for the contract's attestation and downloads it.
    log_in(page, live_server, "charlie@dupont.fr")
    page.goto(f"{live_server.url}/extranet/contrats/{offer.contract.pk}/documents/")
    page.get_by_role("link", name="Demander une attestation").click()
    page.get_by_role("button", name="Envoyer la demande").click()
    link = page.get_by_role("link", name="Télécharger l'attestation (PDF)")
    expect(link).to_be_visible(timeout=90_000)
    with page.expect_download() as download_info:
        link.click()
    saved = shots.folder / "attestation.pdf"
    download_info.value.save_as(saved)
    pdf = saved.read_bytes()
    document = Document.objects.get()

    # Its QR code, read from the PDF as a phone would, opens the public page.
    urls = pdf_qr_codes(pdf)
    assert urls == [f"{live_server.url}/verifier/{document.verification_code}/"]
    stranger_page.goto(urls[0])
    expect(stranger_page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Attestation authentique")
    )
    verdict = stranger_page.get_by_role("status").first
    expect(verdict).to_have_text(re.compile(rf"Valide jusqu'au {document.valid_until:%d/%m/%Y}"))
    expect(stranger_page.locator("body")).to_contain_text(document.numero)
    expect(stranger_page.locator("body")).not_to_contain_text(client_a.siren)
    shots(stranger_page, "verification-valide")

    # The file the client received is recognised, byte for byte.
    stranger_page.locator("input[type=file]").set_input_files(str(saved))
    stranger_page.get_by_role("button", name="Vérifier le fichier").click()
    expect(stranger_page.get_by_text("Ce fichier est identique, octet pour octet")).to_be_visible()
    shots(stranger_page, "fichier-identique")

    # Staff revoke it from the document's page in the intranet.
    staff_page.goto(f"{live_server.url}/intranet/login/")
    staff_page.fill("#id_username", "bob")
    staff_page.fill("#id_password", PASSWORD)
    staff_page.locator("input[type=submit]").click()
    staff_page.goto(f"{live_server.url}/intranet/documents/document/{document.pk}/change/")
    staff_page.get_by_role("link", name="Révoquer").click()
    staff_page.get_by_label("Motif interne").fill(INTERNAL_REASON)
    staff_page.get_by_label("Motif affiché publiquement (facultatif)").fill(PUBLIC_REASON)
    shots(staff_page, "revoquer")
    staff_page.get_by_role("button", name="Révoquer l’attestation").click()
    revoked = f"L'attestation n° {document.numero} est révoquée."
    expect(staff_page.get_by_text(revoked)).to_be_visible()
    shots(staff_page, "revoquee")

    # The same address now says it, with the public reason and never the internal one.
    stranger_page.goto(urls[0])
    verdict = stranger_page.get_by_role("status").first
    expect(verdict).to_contain_text(re.compile(r"Révoquée le \d{2}/\d{2}/\d{4}"))
    expect(verdict).to_contain_text(PUBLIC_REASON)
    expect(stranger_page.locator("body")).not_to_contain_text(INTERNAL_REASON)
    shots(stranger_page, "verification-revoquee")

    # The client sees it too, in its documents.
    page.goto(f"{live_server.url}/extranet/contrats/{offer.contract.pk}/documents/")
    expect(page.locator("body")).to_contain_text("Révoquée le")
    expect(page.locator("body")).to_contain_text(PUBLIC_REASON)
    shots(page, "documents-client")
