"""Attestation requests from the extranet: submit, generate in the background, retry.

A request's life (``AttestationRequest.Status``)::

    submit → pending → (job) generating → ready                (shared at once)
                                        → awaiting_validation  (held for staff)
                                        → failed → (retry) pending → ...

The request row holds the state; the job (``jobs``) only carries its id. Every
step writes its status last, through a conditional UPDATE, so a job run twice, re-delivered
after a worker died, or racing a retry never produces two documents for one request.
The audit trail (``AttestationEvent``) is written in the same transaction as each status.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from contracts.models import Beneficiary, Contract
from contracts.selectors import beneficiaries_current, contracts_for_user
from documents.conversion import ConversionError
from documents.models import (
    AttestationEvent,
    AttestationRequest,
    Document,
    DocumentTemplate,
    ProductAttestationModel,
)
from documents.rendering import TemplateInvalid
from documents.selectors import (
    attestation_models_for,
    attestation_request_availability,
    attestation_request_can_retry,
    attestation_request_stale_before,
)
from documents.services import attestation_generate, document_destroy

from .jobs import attestation_request_send
from .values import RequestRefused, attestation_values_clean

logger = logging.getLogger(__name__)

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
    contract: Contract, beneficiary: Beneficiary | None, template_id: int | None
) -> ProductAttestationModel:
    """The product's link to this template, if the client may pick it (the selector's rule)."""
    for link in attestation_models_for(
        contract=contract, beneficiary_chosen=beneficiary is not None
    ):
        if link.template_id == template_id:
            return link
    if beneficiary is None:
        message = gettext("Ce modèle d'attestation n'est pas proposé pour ce contrat.")
    else:
        message = gettext("Ce modèle d'attestation n'est pas proposé pour ce bénéficiaire.")
    raise RequestRefused(message, field="product_model")


def _rate_limit_check(user) -> None:
    """At most ATTESTATION_REQUESTS_PER_HOUR requests and retries per account per hour.

    Call inside the transaction that records the request: the account's row is locked so
    that two requests sent at once are counted one after the other (on SQLite the IMMEDIATE
    transaction serialises them anyway).
    """
    limit = settings.ATTESTATION_REQUESTS_PER_HOUR
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    since = timezone.now() - datetime.timedelta(hours=1)
    sent = list(
        AttestationEvent.objects.filter(
            actor=user, kind__in=[Kind.SUBMITTED, Kind.RETRIED], at__gte=since
        )
        .order_by("at")
        .values_list("at", flat=True)
    )
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
    the account is under its hourly limit. Raises RequestRefused with a French message.
    When validation applies, staff's task is opened in the same transaction.
    """
    if not contracts_for_user(user).filter(pk=contract.pk).exists():
        raise RequestRefused(gettext("Ce contrat n'est pas accessible depuis votre compte."))
    if product_model is None:
        raise RequestRefused(gettext("Choisissez une attestation."), field="product_model")
    availability = _availability_check(contract)
    _beneficiary_check(contract, beneficiary)
    link = _model_check(contract, beneficiary, product_model.template_id)
    if link.pk != product_model.pk:
        raise RequestRefused(
            gettext("Ce modèle d'attestation n'est pas proposé pour ce contrat."),
            field="product_model",
        )
    cleaned = attestation_values_clean(template=link.template, values=values)

    with transaction.atomic():
        _rate_limit_check(user)
        request = AttestationRequest.objects.create(
            user=user,
            contract=contract,
            beneficiary=beneficiary,
            template=link.template,
            title=link.display_title[:250],
            beneficiary_label=(beneficiary.libelle if beneficiary else "")[:250],
            values=cleaned,
            needs_validation=availability.needs_validation,
        )
        AttestationEvent.objects.create(
            request=request,
            kind=Kind.SUBMITTED,
            actor=user,
            at=request.created_at,
            detail=" – ".join(p for p in (request.title, request.beneficiary_label) if p),
        )
        if availability.needs_validation:
            # Written by the validation workflow (tasks for staff, « Valider » / « Refuser »).
            from .validation import attestation_validation_open

            attestation_validation_open(request=request)
        attestation_request_send(request.pk)
    return request


# -- the job's body ---------------------------------------------------------------------------


class _Unavailable(Exception):
    """Something the request needs is gone; the message is for the client."""


def _claim(request_id: int) -> int | None:
    """Take the request for generation; the attempt number, or None if there is nothing to do.

    One conditional UPDATE: pending or failed requests, and those left ``generating`` by a
    job that died (stale), and never one that already has its document. Two jobs racing
    here: exactly one changes the row.
    """
    claimable = Q(status__in=[Status.PENDING, Status.FAILED]) | Q(
        status=Status.GENERATING, updated_at__lt=attestation_request_stale_before()
    )
    claimed = AttestationRequest.objects.filter(
        claimable, pk=request_id, document__isnull=True
    ).update(status=Status.GENERATING, attempts=F("attempts") + 1, updated_at=timezone.now())
    if not claimed:
        return None
    return AttestationRequest.objects.values_list("attempts", flat=True).get(pk=request_id)


def _ours(request: AttestationRequest, attempt: int):
    """The request row, only while this attempt still holds it."""
    return AttestationRequest.objects.filter(
        pk=request.pk, status=Status.GENERATING, attempts=attempt
    )


def _generate(request: AttestationRequest) -> Document:
    template = request.template
    if template is None:
        raise _Unavailable(gettext("Le modèle d'attestation demandé n'existe plus."))
    if template.entity == DocumentTemplate.Entity.BENEFICIAIRE and request.beneficiary is None:
        raise _Unavailable(gettext("Le bénéficiaire concerné n'existe plus sur ce contrat."))
    # Not shared yet: it is shared in the same transaction that hands it to the request, so
    # a document this attempt cannot keep never shows on the extranet.
    return attestation_generate(
        template=template,
        contract=request.contract,
        beneficiary=request.beneficiary,
        values=request.values,
        user=request.user,
        shared=False,
    )


def _client_message(error: BaseException) -> str:
    if isinstance(error, _Unavailable):
        return str(error)
    if isinstance(error, ConversionError):
        return gettext(
            "La conversion de votre attestation en PDF a échoué. Réessayez dans quelques "
            "instants ; si le problème persiste, contactez votre cabinet."
        )
    if isinstance(error, TemplateInvalid):
        return gettext(
            "Le modèle d'attestation n'a pas pu être rempli. Réessayez plus tard ; si le "
            "problème persiste, contactez votre cabinet."
        )
    return gettext(
        "Une erreur inattendue a empêché la génération de votre attestation. Réessayez dans "
        "quelques instants ; si le problème persiste, contactez votre cabinet."
    )


def _fail(request: AttestationRequest, attempt: int, error: BaseException) -> None:
    """Status failed. ``error``: the client's sentence on the first line, then for staff the
    technical detail (the full text also goes to the FAILED event, which outlives retries)."""
    technical = f"{type(error).__name__}: {error}".strip()
    text = f"{_client_message(error)}\n{gettext('Détail technique')} : {technical}"
    with transaction.atomic():
        if _ours(request, attempt).update(
            status=Status.FAILED, error=text, updated_at=timezone.now()
        ):
            AttestationEvent.objects.create(request=request, kind=Kind.FAILED, detail=text)


def _finish(request: AttestationRequest, attempt: int, document: Document) -> bool:
    """Hand the document to the request and write its status last; False if we lost it."""
    shared = not request.needs_validation
    now = timezone.now()
    with transaction.atomic():
        won = (
            _ours(request, attempt)
            .filter(document__isnull=True)
            .update(
                status=Status.READY if shared else Status.AWAITING_VALIDATION,
                document=document,
                numero=document.numero or "",
                error="",
                updated_at=now,
            )
        )
        if won:
            if shared:
                Document.objects.filter(pk=document.pk).update(
                    shared_on_extranet=True, shared_at=now, shared_by=request.user
                )
            events = [AttestationEvent(request=request, kind=Kind.GENERATED, at=now,
                                       detail=document.numero or "")]  # fmt: skip
            if shared:
                events.append(AttestationEvent(request=request, kind=Kind.SHARED, at=now))
            AttestationEvent.objects.bulk_create(events)
    if not won:
        # Another attempt took the request over (this one was thought dead), or staff closed
        # it meanwhile: this document belongs to nobody.
        logger.warning("Demande d'attestation %s : document %s abandonné", request.pk, document.pk)
        document_destroy(document=document)
    return bool(won)


def attestation_request_process(*, request_id: int, retry_conversion: bool = False) -> None:
    """Generate the request's attestation: the body of ``jobs.attestation_request_generate``.

    Safe to run any number of times: it returns at once unless it can claim the request
    (see ``_claim``). On success the request is ``ready`` (document shared on the extranet)
    or ``awaiting_validation`` (document kept for staff). On failure it is ``failed`` with
    its error. With ``retry_conversion``, a PDF conversion failure puts the request back to
    ``pending`` and re-raises ConversionError, for the job to try again later.
    """
    attempt = _claim(request_id)
    if attempt is None:
        return
    request = AttestationRequest.objects.select_related(
        "contract__product", "contract__client", "beneficiary", "template", "user"
    ).get(pk=request_id)
    try:
        document = _generate(request)
    except ConversionError as error:
        if retry_conversion:
            logger.warning(
                "Demande d'attestation %s : conversion à refaire (%s)", request_id, error
            )
            _ours(request, attempt).update(status=Status.PENDING, updated_at=timezone.now())
            raise
        _fail(request, attempt, error)
        return
    except Exception as error:  # noqa: BLE001 - whatever it is, the client must not wait forever
        logger.exception("Demande d'attestation %s : échec de la génération", request_id)
        _fail(request, attempt, error)
        return
    _finish(request, attempt, document)


# -- retry ------------------------------------------------------------------------------------


def attestation_request_retry(*, request: AttestationRequest, user) -> None:
    """Send a failed (or lost, see ``attestation_request_can_retry``) request again.

    The contract, the beneficiary and the model are checked again, as on the first day: a
    retry the next week on a terminated contract is refused. Counts in the hourly limit.
    """
    if not attestation_request_can_retry(request):
        raise RequestRefused(gettext("Cette demande n'est pas en échec : rien à réessayer."))
    contract = request.contract
    _availability_check(contract)
    _beneficiary_check(contract, request.beneficiary)
    if request.template_id is None or (
        request.template.entity == DocumentTemplate.Entity.BENEFICIAIRE
        and request.beneficiary is None
    ):
        raise RequestRefused(
            gettext("Ce modèle d'attestation n'est plus proposé : faites une nouvelle demande.")
        )
    _model_check(contract, request.beneficiary, request.template_id)
    retryable = Q(status=Status.FAILED) | Q(
        status__in=[Status.PENDING, Status.GENERATING],
        updated_at__lt=attestation_request_stale_before(),
    )
    with transaction.atomic():
        _rate_limit_check(user)
        now = timezone.now()
        sent = AttestationRequest.objects.filter(retryable, pk=request.pk).update(
            status=Status.PENDING, error="", updated_at=now
        )
        if not sent:
            raise RequestRefused(gettext("Cette demande est déjà en cours de traitement."))
        AttestationEvent.objects.create(request=request, kind=Kind.RETRIED, actor=user, at=now)
        attestation_request_send(request.pk)
    request.refresh_from_db()
