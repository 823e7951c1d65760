"""A client asks for the whole fleet at once in a real browser, watches the progress, and opens
the ZIP: one PDF per plate."""

import io
import zipfile

import pytest
from playwright.sync_api import expect

from documents.models import AttestationBatch, AttestationRequest
from tests import docx_models
from tests.browser.conftest import log_in
from tests.documents.batch_helpers import PLATES, fleet_grow
from tests.documents.request_helpers import fleet_offer_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARLIE = "charlie@dupont.fr"  # client_a_user


@pytest.fixture
def one_job_thread(settings, monkeypatch):
    """The live server's test database is SQLite in memory, shared between threads: two
    jobs writing at once there meet « database table is locked » at once (no waiting, as
    with a file or PostgreSQL). One job thread, a pool of its own for this test."""
    from documents.attestations import jobs

    settings.ATTESTATION_JOB_THREADS = 1
    monkeypatch.setattr(jobs, "_pool", None)


def test_a_client_asks_for_every_vehicle_and_opens_the_zip(
    page, live_server, shots, client_a, client_a_user, settings, one_job_thread
):
    # One-shot LibreOffice (~1.5 s a document): long enough to watch the progress.
    settings.CONVERTER_PORTS = []
    offer = fleet_offer_make(client_a, pdf=True)
    fleet_grow(offer)

    log_in(page, live_server, CHARLIE)
    page.get_by_role("link", name="FL-2026-0042").click()
    page.get_by_role("link", name="Documents", exact=True).click()
    page.get_by_role("link", name="Demander une attestation").click()
    vehicle = page.get_by_label("Véhicule concerné")
    expect(vehicle).to_have_value("")
    page.wait_for_load_state()  # htmx is set up: choosing redraws the form
    vehicle.select_option(label="Tous les véhicules en cours (3)")
    expect(page.get_by_label("Motif du déplacement")).to_be_visible()  # redrawn by htmx
    page.get_by_label("Motif du déplacement").fill("Salon de l'auto <Lyon> & co")
    page.get_by_label("Date de début").fill("01/12/2026")
    page.get_by_label("Date de fin").fill("03/12/2026")
    shots(page, "flotte-formulaire")
    page.get_by_role("button", name="Envoyer la demande").click()

    expect(page.get_by_text("Vos attestations sont en cours de génération")).to_be_visible()
    expect(page.locator("#batch-progress-text")).to_contain_text("/ 3 générées")
    shots(page, "flotte-en-cours")
    page.evaluate("window.sameDocument = true")
    link = page.get_by_role("link", name="Télécharger le ZIP (3 attestations)")
    expect(link).to_be_visible(timeout=90_000)
    assert page.evaluate("window.sameDocument === true")  # updated in place by htmx
    expect(page.locator("#batch-progress-text")).to_contain_text("3 / 3 générées")
    expect(page.get_by_role("link", name="Télécharger un seul PDF")).to_be_visible()
    shots(page, "flotte-prete")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "Attestations FL-2026-0042.zip"
    saved = shots.folder / "attestations.zip"
    download.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        names = sorted(archive.namelist())
        assert names == ["aa-101-bb.pdf", "cc-202-dd.pdf", "gh-456-jk.pdf"]
        for name in names:
            pdf = archive.read(name)
            assert pdf.startswith(b"%PDF-")
            text = docx_models.pdf_text(pdf)
            plates_in = [plate for plate in PLATES if plate in text]
            assert plates_in == [name.removesuffix(".pdf").upper()]  # its own plate only
    batch = AttestationBatch.objects.get()
    assert set(batch.requests.values_list("status", flat=True)) == {AttestationRequest.Status.READY}

    # « Mes demandes »: the batch is one row.
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes demandes"
    ).click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("3 attestations (demande groupée)")
    expect(rows.first).to_contain_text("3 / 3 disponibles")
    shots(page, "flotte-mes-demandes")
