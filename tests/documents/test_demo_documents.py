from io import StringIO

import pytest
from django.core.management import call_command

from contracts.models import Beneficiary, Contract
from documents.demo import MODELS
from documents.engine import convert_to_pdf, render_docx
from documents.models import DocumentTemplate, ProductAttestationModel
from documents.services import field_initial
from documents.tags import tag_context
from tests import docx_models


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--force", stdout=StringIO())
    call_command("seed_demo_documents", "--force", stdout=StringIO())


def test_demo_models_on_their_products_idempotently(demo):
    call_command(
        "seed_demo_documents", "--force", stdout=StringIO()
    )  # a second run changes nothing

    links = {
        (link.product.name, link.template.name, link.template.entity)
        for link in ProductAttestationModel.objects.select_related("product", "template")
    }
    assert links == {
        ("Flotte automobile", "Attestation d'assurance flotte", "contrat"),
        ("Flotte automobile", "Attestation véhicule – événement", "beneficiaire"),
        ("Multirisque immeuble", "Attestation d'assurance immeuble", "beneficiaire"),
        ("RC Professionnelle", "Attestation RC Professionnelle", "contrat"),
        ("Santé collective", "Attestation d'affiliation santé", "beneficiaire"),
    }
    assert DocumentTemplate.objects.count() == len(MODELS) == 5
    event = DocumentTemplate.objects.get(name="Attestation véhicule – événement")
    fields = list(event.fields.all())
    assert [(f.name, f.label, f.type) for f in fields] == [
        ("motif", "Motif du déplacement ou de l'événement", "text"),
        ("date_debut", "Date de début", "date"),
        ("date_fin", "Date de fin", "date"),
    ]
    assert field_initial(field=fields[2]) != ""
    assert all(not t.fields.exists() for t in DocumentTemplate.objects.exclude(pk=event.pk))


def test_every_demo_model_fills_from_a_demo_contract(demo):
    for template in DocumentTemplate.objects.all():
        product = template.product_links.get().product
        contract = Contract.objects.filter(product=product).order_by("numero").first()
        beneficiary = None
        if template.entity == DocumentTemplate.Entity.BENEFICIAIRE:
            beneficiary = Beneficiary.objects.filter(contract=contract).first()
        with template.file.open("rb") as handle:
            docx = render_docx(
                template=handle.read(),
                context=tag_context(contract=contract, beneficiary=beneficiary, numero="N-1"),
                values={"motif": "Salon", "date_debut": "01/12/2026", "date_fin": "03/12/2026"},
            )
        text = docx_models.docx_text(docx)
        assert "Nous soussignés, Cabinet Durand Courtage, courtier en assurances" in text
        assert contract.numero in text
        assert "ORIAS sous le n° 12065432" in text
        assert "{{" not in text and "{%" not in text
        if beneficiary is not None:
            assert (beneficiary.immatriculation or beneficiary.adresse or beneficiary.nom) in text


@pytest.mark.libreoffice
def test_the_vehicle_event_demo_attestation_as_a_pdf(demo):
    template = DocumentTemplate.objects.get(name="Attestation véhicule – événement")
    contract = Contract.objects.get(numero="FL-24-0001")
    vehicle = contract.beneficiaries.get(immatriculation="GE-481-KT")
    with template.file.open("rb") as handle:
        docx = render_docx(
            template=handle.read(),
            context=tag_context(contract=contract, beneficiary=vehicle, numero="ATT-2026-000001"),
            values={
                "motif": "Salon Solutrans",
                "date_debut": "17/11/2026",
                "date_fin": "21/11/2026",
            },
        )

    text = " ".join(docx_models.pdf_text(convert_to_pdf(docx)).split())

    assert "Immatriculation : GE-481-KT" in text
    assert "Marque et modèle : Renault Master" in text
    assert "Motif : Salon Solutrans" in text
    assert "Période : du 17/11/2026 au 21/11/2026" in text
    assert "Bris de glace" in text
