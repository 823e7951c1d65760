"""Shared set-up for the rendering and generation tests: a fleet contract as a broker has it."""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile

from contracts.models import Cabinet
from documents.models import DocumentTemplate
from tests import factories


def cabinet_make() -> Cabinet:
    return Cabinet.objects.create(
        nom="Courtage Martin & Associés",
        orias="07001234",
        adresse="3 quai Saint-Antoine",
        code_postal="69002",
        ville="Lyon",
        telephone="04 78 00 00 00",
        email="contact@martin-courtage.fr",
    )


def fleet_contract_make(client, *, today: datetime.date | None = None):
    """An in-force fleet contract with two guarantees, a paid quittance and a vehicle."""
    today = today or factories.today()
    product = factories.ProductFactory(name="Flotte automobile")
    contract = factories.ContractFactory(
        numero="FL-2026-0042",
        client=client,
        product=product,
        assureur="Allianz IARD",
        date_effet=datetime.date(2025, 1, 1),
    )
    factories.GuaranteeFactory(
        contract=contract,
        nom="Responsabilité civile",
        plafond=Decimal("1500000.00"),
        franchise=None,
        position=1,
    )
    factories.GuaranteeFactory(
        contract=contract,
        nom="Bris de glace",
        plafond=Decimal("2500.00"),
        franchise=Decimal("150.00"),
        position=2,
    )
    factories.paid_quittance(
        contract,
        periode_debut=today - datetime.timedelta(days=10),
        periode_fin=today + datetime.timedelta(days=80),
    )
    vehicle = factories.VehicleFactory(
        contract=contract, immatriculation="GH-456-JK", marque="Peugeot", modele="308"
    )
    return contract, vehicle


def template_make(data: bytes, *, name: str = "Attestation flotte", **kwargs) -> DocumentTemplate:
    return DocumentTemplate.objects.create(
        name=name, file=ContentFile(data, name="modele.docx"), **kwargs
    )


def stored_files(root) -> list[str]:
    """Every file under the test's private storage, as relative paths."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
