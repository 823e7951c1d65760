"""A fleet attestation filled from a real contract, checked where a reader checks it: in the PDF.

The tag context comes from the database (``documents.tags.tag_context``); rendering and
conversion go through the app's adapter (``documents.engine``) and a real LibreOffice.
"""

import pytest

from documents.engine import convert_to_pdf, render_docx
from documents.tags import tag_context
from tests import docx_models
from tests.documents.generation_helpers import cabinet_make, fleet_contract_make


def flat(text: str) -> str:
    """Whitespace of any kind (line wraps, no-break spaces) as single spaces."""
    return " ".join(text.split())


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_a_fleet_attestation_filled_from_the_contract(client_a):
    cabinet_make()
    contract, vehicle = fleet_contract_make(client_a)
    context = tag_context(contract=contract, beneficiary=vehicle, numero="ATT-2026-000042")
    today = context["date_du_jour"]

    docx = render_docx(
        template=docx_models.attestation_model(),
        context=context,
        values={"motif": "Salon de l'auto", "date_debut": "01/12/2026", "date_fin": "05/12/2026"},
    )
    pdf = convert_to_pdf(docx)
    text = flat(docx_models.pdf_text(pdf))
    rows = [flat(line) for line in docx_models.pdf_text(pdf, layout=True).splitlines()]

    # body: known tags
    assert (
        "Nous soussignés, Courtage Martin & Associés, attestons que Transports Dupont SAS, "
        "12 rue de la Paix 75002 Paris, est titulaire du contrat n° FL-2026-0042 « Flotte "
        "automobile » souscrit auprès de Allianz IARD, en vigueur depuis le 01/01/2025 "
        "(statut : En cours)."
    ) in text
    quittance = context["quittance"]
    assert (
        f"Période couverte : du {quittance['periode_debut']} au {quittance['periode_fin']}." in text
    )
    # the vehicle beneficiary's plate
    assert "Véhicule assuré : GH-456-JK (Peugeot 308) – GH-456-JK – Peugeot 308" in text
    # the client's fields
    assert "Motif : Salon de l'auto" in text
    assert "Du 01/12/2026 au 05/12/2026" in text
    # the guarantees table: one row per guarantee, the {%tr %} rows themselves gone
    assert "Garantie Plafond Franchise" in rows
    assert "Responsabilité civile 1 500 000,00 €" in rows  # no franchise: nothing, not "None"
    assert "Bris de glace 2 500,00 € 150,00 €" in rows
    assert "{%" not in text and "endfor" not in text
    # header and footer
    assert "Courtage Martin & Associés – ORIAS n° 07001234" in text
    assert "3 quai Saint-Antoine, 69002 Lyon" in text
    assert f"Attestation ATT-2026-000042 délivrée le {today} – Tél. 04 78 00 00 00" in text
    assert f"Fait pour servir et valoir ce que de droit, le {today}." in text
