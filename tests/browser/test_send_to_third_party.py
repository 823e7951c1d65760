"""A client sends an attestation to their landlord in a real browser; the landlord opens the
e-mailed link in a browser of their own, with no account, and downloads exactly that PDF;
then the client sends it again, the landlord picked from the address book in one click."""

import re

import pytest
from playwright.sync_api import expect

from documents.services import attestation_generate
from sharing.models import DocumentSend, Recipient
from tests.browser.conftest import log_in
from tests.documents.request_helpers import fleet_offer_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARLIE = "charlie@dupont.fr"  # client_a_user
LINK = re.compile(r"(http://[^\s/]+/envoi/[A-Za-z0-9_-]{43}/)")


def test_a_client_sends_an_attestation_to_a_landlord_who_downloads_it(
    page, chromium, live_server, shots, client_a, client_a_user, mailoutbox, settings
):
    settings.CONVERTER_PORTS = []  # one-shot LibreOffice: one PDF is all this test needs
    settings.SITE_URL = live_server.url
    offer = fleet_offer_make(client_a, pdf=True)
    attestation = attestation_generate(
        template=offer.contract_model.template, contract=offer.contract, values={}, shared=True
    )
    stored_pdf = attestation.pdf_file.open("rb").read()
    assert stored_pdf.startswith(b"%PDF-")

    # The client, from the contract's « Documents » tab.
    log_in(page, live_server, CHARLIE)
    page.get_by_role("link", name="FL-2026-0042").click()
    page.get_by_role("link", name="Documents", exact=True).click()
    shots(page, "onglet-documents")
    page.get_by_role("link", name=re.compile("à un tiers$")).click()
    expect(page.get_by_role("heading", name="Envoyer à un tiers")).to_be_visible()
    expect(page.get_by_text("Cette attestation n'a encore été envoyée à personne.")).to_be_visible()
    page.get_by_label("Nom du destinataire").fill("SCI Les Tilleuls")
    page.get_by_label("Adresse e-mail du destinataire").fill("gestion@sci-tilleuls.fr")
    page.get_by_label("Bailleur").check()
    page.get_by_label("Message (facultatif)").fill("Bonjour,\nl'attestation <b>demandée</b>.")
    page.get_by_label("M'envoyer une copie").check()
    shots(page, "formulaire-rempli")
    page.get_by_role("button", name="Envoyer l'attestation").click()

    expect(page.get_by_text(re.compile(r"a été envoyée à SCI Les Tilleuls"))).to_be_visible()
    expect(page.locator(".document-send")).to_contain_text("Pas encore ouverte")
    shots(page, "envoi-confirme")
    landlord_mail, copy = mailoutbox
    assert landlord_mail.to == ["gestion@sci-tilleuls.fr"] and copy.to == [CHARLIE]
    (link,) = set(LINK.findall(landlord_mail.body))
    assert "/envoi/" not in copy.body

    # The landlord: a browser of their own, no session, no cookie of the client's.
    landlord = chromium.new_context(locale="fr-FR", accept_downloads=True)
    try:
        third = landlord.new_page()
        third.set_default_timeout(15_000)
        third.goto(link)
        expect(third.get_by_role("heading", level=1)).to_have_text(
            f"Courtage Martin & Associés vous transmet l'attestation n° {attestation.numero}"
        )
        expect(third.locator("#etat")).to_contain_text("Valide")
        expect(third.get_by_role("link", name="Vérifier l'authenticité")).to_have_attribute(
            "href", f"/verifier/{attestation.verification_code}/"
        )
        expect(third.locator("a[href*='/extranet/']")).to_have_count(0)
        shots(third, "page-du-tiers")
        with third.expect_download() as download_info:
            third.get_by_role("link", name="Télécharger l'attestation (PDF)").click()
        saved = shots.folder / "attestation-du-tiers.pdf"
        download_info.value.save_as(saved)
        assert saved.read_bytes() == stored_pdf

        # Nothing of the client's space from there: the login page.
        third.goto(f"{live_server.url}/extranet/")
        expect(third).to_have_url(re.compile(r"/extranet/connexion/\?next=/extranet/$"))
        third.goto(f"{live_server.url}/extranet/documents/{attestation.pk}/telecharger/")
        expect(third).to_have_url(re.compile(r"/extranet/connexion/"))
    finally:
        landlord.close()

    send = DocumentSend.objects.get()
    assert send.opened_count == 1 and send.download_count == 1

    # The client sees it was opened and downloaded, then sends again in one click.
    page.reload()
    expect(page.locator(".document-send")).to_contain_text("Ouverte le")
    expect(page.locator(".document-send")).to_contain_text("téléchargée le")
    page.get_by_role("link", name=re.compile("^SCI Les Tilleuls")).click()
    expect(page.get_by_label("Nom du destinataire")).to_have_value("SCI Les Tilleuls")
    expect(page.get_by_label("Adresse e-mail du destinataire")).to_have_value(
        "gestion@sci-tilleuls.fr"
    )
    expect(page.get_by_label("Bailleur")).to_be_checked()
    shots(page, "carnet-en-un-clic")
    page.get_by_role("button", name="Envoyer l'attestation").click()
    expect(page.locator(".document-send")).to_have_count(2)
    shots(page, "deux-envois")

    page.get_by_role("link", name="Mes destinataires").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("SCI Les Tilleuls")
    shots(page, "mes-destinataires")

    assert len(mailoutbox) == 3 and mailoutbox[2].to == ["gestion@sci-tilleuls.fr"]
    assert LINK.findall(mailoutbox[2].body) != [link]  # a new link for each send
    assert Recipient.objects.count() == 1
    assert DocumentSend.objects.count() == 2
