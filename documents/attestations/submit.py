"""A client's « Envoyer la demande », and « Réessayer »: every check again, then the request
row, its audit event, the validation task when one applies, and the job sent on commit.

The request's life and why each step is a conditional UPDATE: docs/attestations.md.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from contracts.models import Beneficiary, Contract
from contracts.selectors import beneficiaries_current, contracts_for_user
from documents.models import (
    AttestationBatch,
    AttestationEvent,
    AttestationRequest,
    DocumentTemplate,
    ProductAttestationModel,
)

from .jobs import attestation_request_send
from .logs import attestation_request_state_log
from .selectors import (
    attestation_models_for,
    attestation_request_availability,
    attestation_request_can_retry,
    attestation_request_just_sent,
    attestation_requests_stale_q,
)
from .validation import attestation_validation_open, attestation_validation_reconsider
from .values import RequestRefused, attestation_values_clean

Status = AttestationRequest.Status
Kind = AttestationEvent.Kind

# -- checks shared by submit and retry --------------------------------------------------------


def _availability_check(contract: Contract):
    availability = attestation_request_availability(contract=contract)
    if not availability.has_models:
        raise RequestRefused(gettext("Aucune attestation ne peut être demandée pour ce contrat."))
    if not availability.can_request:
        raise RequestRefused(availability.reason)
    return availability


def _beneficiary_check(contract: Contract, beneficiary: Beneficiary | None) -> None:
    if beneficiary is None:
        return
    current = beneficiaries_current(Beneficiary.objects.filter(contract=contract))
    if beneficiary.contract_id != contract.pk or not current.filter(pk=beneficiary.pk).exists():
        raise RequestRefused(
            gettext("Ce bénéficiaire n'est pas couvert par ce contrat à ce jour."),
            field="beneficiary",
        )


def _model_check(
    contract: Contract, beneficiary_chosen: bool, template_id: int | None
) -> ProductAttestationModel:
    """The product's link to this template, if the client may pick it (the selector's rule)."""
    for link in attestation_models_for(contract=contract, beneficiary_chosen=beneficiary_chosen):
        if link.template_id == template_id:
            return link
    if not beneficiary_chosen:
        message = gettext("Ce modèle d'attestation n'est pas proposé pour ce contrat.")
    else:
        message = gettext("Ce modèle d'attestation n'est pas proposé pour ce bénéficiaire.")
    raise RequestRefused(message, field="product_model")


class RequestAlreadySent(RequestRefused):
    """The same request was sent by the same account seconds ago; ``request`` is that one."""

    def __init__(self, request: AttestationRequest) -> None:
        super().__init__(gettext("Cette demande vient d'être envoyée."))
        self.request = request


def _account_lock(user) -> None:
    """Lock the account's row until the transaction ends: two requests sent at once by one
    account (a double click, two tabs) are checked and counted one after the other, the
    second seeing the first once it has committed (on SQLite the IMMEDIATE transaction
    serialises them anyway)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


def _rate_limit_check(user) -> None:
    """At most ATTESTATION_REQUESTS_PER_HOUR requests and retries per account per hour; a
    batch (« Tous les véhicules en cours ») counts as one request, each retry as one.

    Call inside the transaction that records the request, after ``_account_lock``.
    """
    limit = settings.ATTESTATION_REQUESTS_PER_HOUR
    since = timezone.now() - datetime.timedelta(hours=1)
    events = AttestationEvent.objects.filter(
        Q(kind=Kind.RETRIED) | Q(kind=Kind.SUBMITTED, request__batch__isnull=True),
        actor=user,
        at__gte=since,
    ).values_list("at", flat=True)
    batches = AttestationBatch.objects.filter(user=user, created_at__gte=since).values_list(
        "created_at", flat=True
    )
    sent = sorted([*events, *batches])
    if len(sent) < limit:
        return
    free_at = timezone.localtime(sent[len(sent) - limit] + datetime.timedelta(hours=1))
    raise RequestRefused(
        gettext(
            "Vous avez atteint la limite de %(limit)s demandes d'attestation par heure. "
            "Vous pourrez en envoyer une nouvelle à partir de %(time)s."
        )
        % {"limit": limit, "time": f"{free_at:%H:%M}"}
    )


# -- submit -----------------------------------------------------------------------------------


def attestation_request_submit(
    *,
    user,
    contract: Contract,
    beneficiary: Beneficiary | None,
    product_model: ProductAttestationModel | None,
    values: dict[str, str],
) -> AttestationRequest:
    """Records a client's request and sends its generation job once the transaction commits.

    Everything is checked again here, whatever the form did: the account reaches the
    contract; the contract may be asked for an attestation now (eligible, or validation
    applies); the model is offered on the contract's product for this kind of request; the
    beneficiary is one of this contract's current ones; the values fit the model's fields;
    the account is under its hourly limit. Raises RequestRefused with a French message, and
    RequestAlreadySent (naming the first one) for the same request sent seconds ago.
    When validation applies, staff's task is opened in the same transaction.
    """
    if not contracts_for_user(user).filter(pk=contract.pk).exists():
        raise RequestRefused(gettext("Ce contrat n'est pas accessible depuis votre compte."))
    if product_model is None:
        raise RequestRefused(gettext("Choisissez une attestation."), field="product_model")
    availability = _availability_check(contract)
    _beneficiary_check(contract, beneficiary)
    link = _model_check(contract, beneficiary is not None, product_model.template_id)
    if link.pk != product_model.pk:
        raise RequestRefused(
            gettext("Ce modèle d'attestation n'est pas proposé pour ce contrat."),
            field="product_model",
        )
    cleaned = attestation_values_clean(template=link.template, values=values)

    with transaction.atomic():
        _account_lock(user)
        already = attestation_request_just_sent(
            user=user,
            contract=contract,
            beneficiary=beneficiary,
            template=link.template,
            values=cleaned,
        )
        if already is not None:
            raise RequestAlreadySent(already)
        _rate_limit_check(user)
        return request_record(
            user=user,
            contract=contract,
            beneficiary=beneficiary,
            link=link,
            values=cleaned,
            needs_validation=availability.needs_validation,
        )


def request_record(
    *,
    user,
    contract: Contract,
    beneficiary: Beneficiary | None,
    link: ProductAttestationModel,
    values: dict[str, str],
    needs_validation: bool,
    origin: str = AttestationRequest.Origin.EXTRANET,
) -> AttestationRequest:
    """The request row, its « Demande envoyée », staff's task when validation applies, and
    its job sent on commit: what every checked request is recorded with (the client's, a
    beneficiary's entry). Call it inside the transaction, once everything is checked."""
    request = AttestationRequest.objects.create(
        user=user,
        contract=contract,
        beneficiary=beneficiary,
        template=link.template,
        origin=origin,
        title=link.display_title[:250],
        beneficiary_label=(beneficiary.libelle if beneficiary else "")[:250],
        values=values,
        needs_validation=needs_validation,
    )
    AttestationEvent.objects.create(
        request=request,
        kind=Kind.SUBMITTED,
        actor=user,
        at=request.created_at,
        detail=" – ".join(p for p in (request.title, request.beneficiary_label) if p),
    )
    if needs_validation:
        attestation_validation_open(request=request)  # staff's task, in this transaction
    attestation_request_state_log(
        request_id=request.pk, status=Status.PENDING, attempt=0, created_at=request.created_at
    )
    attestation_request_send(request.pk)
    return request


# -- retry ------------------------------------------------------------------------------------


def attestation_request_retry(*, request: AttestationRequest, user) -> None:
    """Send a failed (or lost, see ``attestation_request_can_retry``) request again.

    The contract, the beneficiary and the model are checked again, as on the first day: a
    retry the next week on a terminated contract is refused. Whether staff validate it is
    asked again too: held for validation if a validation applies now, shared at once (its
    former task cancelled) if none applies any more. Counts in the hourly limit.
    """
    if not attestation_request_can_retry(request):
        raise RequestRefused(gettext("Cette demande n'est pas en échec : rien à réessayer."))
    contract = request.contract
    availability = _availability_check(contract)
    _beneficiary_check(contract, request.beneficiary)
    if request.template_id is None or (
        request.template.entity == DocumentTemplate.Entity.BENEFICIAIRE
        and request.beneficiary is None
    ):
        raise RequestRefused(
            gettext("Ce modèle d'attestation n'est plus proposé : faites une nouvelle demande.")
        )
    _model_check(contract, request.beneficiary is not None, request.template_id)
    retryable = Q(status=Status.FAILED) | attestation_requests_stale_q()
    with transaction.atomic():
        _account_lock(user)
        _rate_limit_check(user)
        now = timezone.now()
        sent = AttestationRequest.objects.filter(retryable, pk=request.pk).update(
            status=Status.PENDING, error="", queued_at=None, updated_at=now
        )
        if not sent:
            raise RequestRefused(gettext("Cette demande est déjà en cours de traitement."))
        # Validation switched on or off since the request was sent: decided again, now.
        attestation_validation_reconsider(request=request, required=availability.needs_validation)
        AttestationEvent.objects.create(request=request, kind=Kind.RETRIED, actor=user, at=now)
        attestation_request_state_log(
            request_id=request.pk,
            status=Status.PENDING,
            attempt=request.attempts,
            created_at=request.created_at,
        )
        attestation_request_send(request.pk)
    request.refresh_from_db()
