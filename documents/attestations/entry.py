"""A beneficiary enters a contract (a vehicle joins the fleet): its attestation, the « Mémo
véhicule assuré », is generated on its own when the product's model says « Générer à
l'entrée d'un bénéficiaire », shared at once (or held for validation), and the client is
e-mailed once it is shared (``process``, ``validation``, ``emails``).

Called by whoever adds beneficiaries (the intranet's contract and beneficiary pages), in the
transaction that adds them: no signal, the rule stays in sight.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext

from contracts.models import Beneficiary
from contracts.selectors import beneficiaries_current
from documents.models import AttestationRequest, DocumentTemplate, ProductAttestationModel
from documents.services import field_initial

from .selectors import attestation_request_availability
from .submit import request_record
from .values import RequestRefused, attestation_values_clean

logger = logging.getLogger(__name__)


@dataclass
class EntryOutcome:
    requested: list[AttestationRequest] = field(default_factory=list)
    # (beneficiary, why no attestation was generated), for the staff member who added it
    skipped: list[tuple[Beneficiary, str]] = field(default_factory=list)


def entry_models_for(product_id: int) -> list[ProductAttestationModel]:
    """The product's models to generate when a beneficiary enters (« Bénéficiaire » ones)."""
    return list(
        ProductAttestationModel.objects.filter(
            product_id=product_id,
            generate_on_entry=True,
            template__type=DocumentTemplate.Type.ATTESTATION,
            template__entity=DocumentTemplate.Entity.BENEFICIAIRE,
        )
        .select_related("template")
        .prefetch_related("template__fields")
        .order_by("position", "id")
    )


def attestations_on_entry(*, beneficiaries: list[Beneficiary], user) -> EntryOutcome:
    """For each beneficiary just added by ``user`` (staff): one request per « on entry »
    model of its product, with each field's default value, when it is covered today and
    the contract may be asked now (eligible, or validation applies). Recorded in the
    caller's transaction; each job is sent once it commits. What was left out, and why, is
    returned for the page to say."""
    outcome = EntryOutcome()
    for beneficiary in beneficiaries:
        links = entry_models_for(beneficiary.contract.product_id)
        if not links:
            continue
        reason = _entry_refusal(beneficiary)
        if reason:
            outcome.skipped.append((beneficiary, reason))
            continue
        for link in links:
            try:
                outcome.requested.append(_entry_request(beneficiary, link, user))
            except RequestRefused as refused:
                outcome.skipped.append((beneficiary, refused.message))
    return outcome


def _entry_refusal(beneficiary: Beneficiary) -> str:
    """Why no attestation can be made for it today; '' when one can."""
    contract = beneficiary.contract
    current = beneficiaries_current(Beneficiary.objects.filter(contract=contract))
    if not current.filter(pk=beneficiary.pk).exists():
        return gettext("Il n'est pas couvert à ce jour (date d'entrée à venir, ou déjà sorti).")
    availability = attestation_request_availability(contract=contract)
    return "" if availability.can_request else availability.reason


def _entry_request(beneficiary: Beneficiary, link: ProductAttestationModel, user):
    contract = beneficiary.contract
    defaults = {f.name: field_initial(field=f) for f in link.template.fields.all()}
    values = attestation_values_clean(template=link.template, values=defaults)
    needs_validation = attestation_request_availability(contract=contract).needs_validation
    with transaction.atomic():
        return request_record(
            user=user,
            contract=contract,
            beneficiary=beneficiary,
            link=link,
            values=values,
            needs_validation=needs_validation,
            origin=AttestationRequest.Origin.ENTRY,
        )
