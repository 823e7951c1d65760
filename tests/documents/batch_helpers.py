"""A fleet to ask for at once (« Tous les véhicules en cours »): the offer of
``request_helpers.fleet_offer_make`` (GH-456-JK) and more vehicles, one of them gone.
"""

from __future__ import annotations

import datetime

from documents.attestations.batches import attestation_batch_submit
from documents.models import AttestationBatch
from tests import factories
from tests.documents.request_helpers import EVENT_VALUES, FleetOffer

PLATES = ["GH-456-JK", "AA-101-BB", "CC-202-DD"]  # the offer's vehicle, then two added


def fleet_grow(offer: FleetOffer, plates=("AA-101-BB", "CC-202-DD")) -> None:
    """Adds current vehicles, and two that are not covered today: one that left the fleet
    yesterday, one that joins it tomorrow."""
    for plate in plates:
        factories.VehicleFactory(contract=offer.contract, immatriculation=plate, marque="Renault",
                                 modele="Master")  # fmt: skip
    today = factories.today()
    factories.VehicleFactory(
        contract=offer.contract,
        immatriculation="ZZ-900-ZZ",
        date_sortie=today - datetime.timedelta(days=1),
    )
    factories.VehicleFactory(
        contract=offer.contract,
        immatriculation="ZZ-901-ZZ",
        date_entree=today + datetime.timedelta(days=1),
    )


def batch_submit(offer: FleetOffer, user, *, values=None, **kwargs) -> AttestationBatch:
    return attestation_batch_submit(
        user=user,
        contract=kwargs.pop("contract", offer.contract),
        product_model=kwargs.pop("product_model", offer.vehicle_model),
        values=dict(EVENT_VALUES) if values is None else values,
        **kwargs,
    )
