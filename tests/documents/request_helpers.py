"""A fleet product offered for attestation requests, as a broker sets it up (demo-like).

- « Attestation d'assurance flotte » linked to « Contrat » (no field);
- « Attestation véhicule – événement » linked to « Bénéficiaire », with the page's own fields
  {{ motif }}, {{ date_debut }}, {{ date_fin }} configured in « Configurer le modèle »;
- optionally « Carte verte provisoire », a second « Bénéficiaire » model without fields.

Every model is a real Word file (``tests.docx_models``) and goes through the real
rendering; ``pdf`` chooses « Conversion PDF automatique ».
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from contracts.models import Beneficiary, Contract
from contracts.selectors import cabinet_get
from documents.models import (
    AttestationRequest,
    Document,
    DocumentTemplate,
    ProductAttestationModel,
    TemplateField,
)
from documents.services import document_template_sync_fields
from tests import docx_models, factories
from tests.documents.generation_helpers import fleet_contract_make, template_make


@dataclass
class FleetOffer:
    contract: Contract
    vehicle: Beneficiary
    contract_model: ProductAttestationModel | None
    vehicle_model: ProductAttestationModel | None
    green_card: ProductAttestationModel | None


def event_model_make(*, pdf: bool) -> DocumentTemplate:
    """The page's example: a vehicle attestation for a temporary event."""
    template = template_make(
        docx_models.attestation_model(fields=True, beneficiary=True),
        name="Attestation véhicule – événement",
        entity=DocumentTemplate.Entity.BENEFICIAIRE,
        pdf_conversion=pdf,
    )
    document_template_sync_fields(
        template=template, unknown_tags=["motif", "date_debut", "date_fin"]
    )
    TemplateField.objects.filter(template=template, name="motif").update(
        label="Motif du déplacement",
        help_text="Par exemple : salon professionnel, rallye, déménagement.",
        default="Salon professionnel",
    )
    TemplateField.objects.filter(template=template, name="date_debut").update(
        label="Date de début", type=TemplateField.Type.DATE, default_days_offset=0
    )
    TemplateField.objects.filter(template=template, name="date_fin").update(
        label="Date de fin", type=TemplateField.Type.DATE
    )
    return template


def fleet_offer_make(
    client,
    *,
    pdf: bool = False,
    contract_model: bool = True,
    vehicle_model: bool = True,
    green_card: bool = False,
) -> FleetOffer:
    """An eligible fleet contract of ``client`` (paid quittance, vehicle GH-456-JK) whose
    product offers the chosen models."""
    cabinet = cabinet_get()
    cabinet.nom, cabinet.orias, cabinet.ville = "Courtage Martin & Associés", "07001234", "Lyon"
    cabinet.save()
    contract, vehicle = fleet_contract_make(client)
    links: dict[str, ProductAttestationModel | None] = {}
    if contract_model:
        template = template_make(
            docx_models.attestation_model(fields=False, beneficiary=False),
            name="Attestation d'assurance flotte",
            entity=DocumentTemplate.Entity.CONTRAT,
            pdf_conversion=pdf,
        )
        links["contract"] = ProductAttestationModel.objects.create(
            product=contract.product, template=template, extranet_title="Attestation du contrat",
            position=1,
        )  # fmt: skip
    if vehicle_model:
        links["vehicle"] = ProductAttestationModel.objects.create(
            product=contract.product,
            template=event_model_make(pdf=pdf),
            extranet_title="Attestation pour un événement",
            position=2,
        )
    if green_card:
        template = template_make(
            docx_models.simple_model(
                "CARTE VERTE PROVISOIRE",
                "Véhicule {{ beneficiaire.immatriculation }} – contrat {{ contrat.numero }}",
            ),
            name="Carte verte provisoire",
            entity=DocumentTemplate.Entity.BENEFICIAIRE,
            pdf_conversion=pdf,
        )
        links["green_card"] = ProductAttestationModel.objects.create(
            product=contract.product, template=template, position=3
        )
    return FleetOffer(
        contract=contract,
        vehicle=vehicle,
        contract_model=links.get("contract"),
        vehicle_model=links.get("vehicle"),
        green_card=links.get("green_card"),
    )


def unpaid_contract_make(client, product) -> Contract:
    """In force, but the quittance covering today is not paid."""
    contract = factories.ContractFactory(
        client=client, product=product, numero="FL-2026-0099", date_effet=datetime.date(2025, 1, 1)
    )
    factories.QuittanceFactory(contract=contract)
    factories.VehicleFactory(contract=contract, immatriculation="ZZ-999-ZZ")
    return contract


EVENT_VALUES = {"motif": "Salon de l'auto <Lyon> & co", "date_debut": "01/12/2026",
                "date_fin": "2026-12-03"}  # fmt: skip


def request_make(offer: FleetOffer, user, **kwargs) -> AttestationRequest:
    """A request row as the service records it (no job run), for status and list tests."""
    fields = {
        "user": user,
        "contract": offer.contract,
        "beneficiary": offer.vehicle,
        "template": offer.vehicle_model.template,
        "title": offer.vehicle_model.display_title,
        "beneficiary_label": offer.vehicle.libelle,
        "values": {"motif": "Salon", "date_debut": "01/12/2026", "date_fin": "03/12/2026"},
    }
    fields.update(kwargs)
    return AttestationRequest.objects.create(**fields)


def request_issued(offer: FleetOffer, user, **fields) -> tuple[AttestationRequest, Document]:
    """A client's request (``request_make``), generated for real by the job's body and shared
    on the extranet: the request and its attestation."""
    from documents.attestations.process import attestation_request_process

    request = request_make(offer, user, **fields)
    attestation_request_process(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == AttestationRequest.Status.READY, request.error
    return request, request.document
