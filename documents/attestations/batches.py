"""« Tous les véhicules en cours (N) »: one attestation per current beneficiary of a contract,
the values typed once.

A batch is a row (``AttestationBatch``) and one ordinary ``AttestationRequest`` per
beneficiary, recorded in one transaction, each with its own job sent after commit: the
claim, lease, retries, recovery, numbering and storage are the single request's, unchanged
(docs/attestations.md). Under validation the batch has one task, decided for all
(``validation.attestation_batch_approve`` / ``attestation_batch_refuse``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from contracts.models import Beneficiary, Contract
from contracts.selectors import beneficiaries_current, contract_eligibility, contracts_for_user
from documents.models import (
    AttestationBatch,
    AttestationEvent,
    AttestationRequest,
    ProductAttestationModel,
)

from .batch_selectors import attestation_batch_just_sent
from .jobs import attestation_requests_send
from .logs import attestation_request_state_log
from .submit import _account_lock, _availability_check, _model_check, _rate_limit_check
from .validation import attestation_batch_validation_open
from .values import RequestRefused, attestation_values_clean

Origin = AttestationBatch.Origin

# Staff launch a batch from the intranet's contract page with this right.
STAFF_BATCH_PERMISSION = "documents.add_attestationbatch"


class BatchAlreadySent(RequestRefused):
    """The same batch was sent by the same account seconds ago; ``batch`` is that one."""

    def __init__(self, batch: AttestationBatch) -> None:
        super().__init__(gettext("Cette demande vient d'être envoyée."))
        self.batch = batch


def _needs_validation(*, user, contract: Contract, origin: str) -> bool:
    """Who may send it and whether staff validate it, as for a single request.

    A client: the account reaches the contract, and the contract may be asked now (eligible,
    or a validation applies: then staff decide). Staff (the intranet): the right to, and an
    eligible contract; their batch is shared at once, they are the ones who validate.
    """
    if origin == Origin.INTRANET:
        if not (user.is_active and user.is_staff and user.has_perm(STAFF_BATCH_PERMISSION)):
            raise PermissionDenied
        reason = contract_eligibility(contract=contract).reason
        if reason:
            raise RequestRefused(reason)
        return False
    if not contracts_for_user(user).filter(pk=contract.pk).exists():
        raise RequestRefused(gettext("Ce contrat n'est pas accessible depuis votre compte."))
    return _availability_check(contract).needs_validation


def attestation_batch_submit(
    *,
    user,
    contract: Contract,
    product_model: ProductAttestationModel | None,
    values: dict[str, str],
    origin: str = Origin.EXTRANET,
) -> AttestationBatch:
    """Records one request per current beneficiary of ``contract`` with the same model and
    values, and sends each one's job once the transaction commits.

    Checked as a single request is (``attestation_request_submit``): access, availability,
    the model offered for a beneficiary, the values; a client's batch counts as one request
    in the hourly limit. Raises RequestRefused with a French message, BatchAlreadySent
    (naming the first one) for the same batch sent seconds ago. When validation applies,
    ONE task is opened for the batch, in the same transaction.
    """
    needs_validation = _needs_validation(user=user, contract=contract, origin=origin)
    if product_model is None:
        raise RequestRefused(gettext("Choisissez une attestation."), field="product_model")
    link = _model_check(contract, True, product_model.template_id)
    if link.pk != product_model.pk:
        raise RequestRefused(
            gettext("Ce modèle d'attestation n'est pas proposé pour ce bénéficiaire."),
            field="product_model",
        )
    cleaned = attestation_values_clean(template=link.template, values=values)

    with transaction.atomic():
        _account_lock(user)
        already = attestation_batch_just_sent(
            user=user, contract=contract, template=link.template, values=cleaned
        )
        if already is not None:
            raise BatchAlreadySent(already)
        if origin == Origin.EXTRANET:
            _rate_limit_check(user)
        # Read in the transaction that records them: the beneficiaries covered now.
        beneficiaries = list(beneficiaries_current(Beneficiary.objects.filter(contract=contract)))
        if not beneficiaries:
            raise RequestRefused(
                gettext("Aucun bénéficiaire n'est couvert par ce contrat à ce jour."),
                field="beneficiary",
            )
        now = timezone.now()
        batch = AttestationBatch.objects.create(
            user=user,
            contract=contract,
            template=link.template,
            title=link.display_title[:250],
            values=cleaned,
            origin=origin,
            needs_validation=needs_validation,
            created_at=now,
        )
        requests = _requests_create(batch, beneficiaries, now)
        if needs_validation:
            attestation_batch_validation_open(batch=batch, count=len(requests))
        for request in requests:
            attestation_request_state_log(
                request_id=request.pk, status=request.status, attempt=0, created_at=now
            )
        attestation_requests_send([request.pk for request in requests])  # one job each
    return batch


def _requests_create(
    batch: AttestationBatch, beneficiaries: list[Beneficiary], now
) -> list[AttestationRequest]:
    """The batch's requests and their « Demande envoyée » step, in two INSERTs."""
    requests = AttestationRequest.objects.bulk_create(
        [
            AttestationRequest(
                user=batch.user,
                contract=batch.contract,
                beneficiary=beneficiary,
                template=batch.template,
                batch=batch,
                origin=batch.origin,
                title=batch.title,
                beneficiary_label=beneficiary.libelle[:250],
                values=batch.values,
                needs_validation=batch.needs_validation,
                created_at=now,
            )
            for beneficiary in beneficiaries
        ]
    )
    AttestationEvent.objects.bulk_create(
        [
            AttestationEvent(
                request=request,
                kind=AttestationEvent.Kind.SUBMITTED,
                actor=batch.user,
                at=now,
                detail=" – ".join(p for p in (request.title, request.beneficiary_label) if p),
            )
            for request in requests
        ]
    )
    return requests
