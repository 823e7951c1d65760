"""The job's body: claim the request, generate its attestation, write the status last.

Safe to run twice, after a worker died, or racing a retry: every step is a conditional
UPDATE on the request row, so one request never gets two documents (docs/attestations.md).
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from documents.engine import ConversionError, SealError, TemplateInvalid
from documents.models import AttestationEvent, AttestationRequest, Document, DocumentTemplate
from documents.services import attestation_generate, document_destroy
from documents.storage import StorageUnavailable

from .lease import attestation_request_lease
from .logs import attestation_request_state_log
from .selectors import attestation_requests_stale_q

logger = logging.getLogger(__name__)

Status = AttestationRequest.Status
Kind = AttestationEvent.Kind


class _Unavailable(Exception):
    """Something the request needs is gone; the message is for the client."""


def _claim(request_id: int, worker: str) -> int | None:
    """Take the request for generation; the attempt number, or None if there is nothing to do.

    One conditional UPDATE: pending or failed requests, and those left ``generating`` by a
    job that died (stale), and never one that already has its document. Two jobs racing
    here: exactly one changes the row.
    """
    claimable = Q(status__in=[Status.PENDING, Status.FAILED]) | attestation_requests_stale_q()
    claimed = AttestationRequest.objects.filter(
        claimable, pk=request_id, document__isnull=True
    ).update(
        status=Status.GENERATING,
        attempts=F("attempts") + 1,
        generated_by=worker[:200],
        updated_at=timezone.now(),  # the lease starts (lease.py renews it)
    )
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
    if isinstance(error, SealError):
        return gettext(
            "Votre attestation n'a pas pu être scellée électroniquement. Réessayez dans quelques "
            "instants ; si le problème persiste, contactez votre cabinet."
        )
    if isinstance(error, StorageUnavailable):
        return gettext(
            "Votre attestation n'a pas pu être enregistrée : le stockage des fichiers est "
            "momentanément indisponible. Réessayez dans quelques instants ; si le problème "
            "persiste, contactez votre cabinet."
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
            _state_log(request, attempt, Status.FAILED)


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
            _state_log(request, attempt, Status.READY if shared else Status.AWAITING_VALIDATION)
            if shared and request.origin == AttestationRequest.Origin.ENTRY:
                # Nobody asked on the extranet and waits on a page: the client is told.
                transaction.on_commit(partial(_available_email, request.pk), robust=True)
    if not won:
        # Another attempt took the request over (this one was thought dead), or staff closed
        # it meanwhile: this document belongs to nobody.
        logger.warning("Demande d'attestation %s : document %s abandonné", request.pk, document.pk)
        document_destroy(document=document)
    return bool(won)


def _available_email(request_id: int) -> None:
    from .emails import attestation_available_email_send

    request = AttestationRequest.objects.select_related("user", "contract").get(pk=request_id)
    attestation_available_email_send(request=request)


def _state_log(request: AttestationRequest, attempt: int, status: str) -> None:
    attestation_request_state_log(
        request_id=request.pk, status=status, attempt=attempt, created_at=request.created_at
    )


def attestation_request_process(
    *, request_id: int, retry_conversion: bool = False, worker: str = ""
) -> None:
    """Generate the request's attestation: the body of ``jobs.attestation_request_generate``.

    Safe to run any number of times: it returns at once unless it can claim the request
    (see ``_claim``). On success the request is ``ready`` (document shared on the extranet)
    or ``awaiting_validation`` (document kept for staff). On failure it is ``failed`` with
    its error. With ``retry_conversion``, a PDF conversion failure puts the request back to
    ``pending`` and re-raises ConversionError, for the job to try again later. ``worker``
    (who runs it) is recorded on the request; the job holds the request's lease meanwhile.
    """
    attempt = _claim(request_id, worker)
    if attempt is None:
        return
    request = AttestationRequest.objects.select_related(
        "contract__product", "contract__client", "beneficiary", "template", "user"
    ).get(pk=request_id)
    _state_log(request, attempt, Status.GENERATING)
    try:
        with attestation_request_lease(request_id=request_id, attempt=attempt):
            document = _generate(request)
    except ConversionError as error:
        if retry_conversion:
            logger.warning(
                "Demande d'attestation %s : conversion à refaire (%s)", request_id, error
            )
            if _ours(request, attempt).update(status=Status.PENDING, updated_at=timezone.now()):
                _state_log(request, attempt, Status.PENDING)
            raise
        _fail(request, attempt, error)
        return
    except Exception as error:  # noqa: BLE001 - whatever it is, the client must not wait forever
        logger.exception("Demande d'attestation %s : échec de la génération", request_id)
        _fail(request, attempt, error)
        return
    _finish(request, attempt, document)
