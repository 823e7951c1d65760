"""E-mails to the client about an attestation request, and about an attestation the cabinet
revoked or replaced (templates under ``templates/emails/``).

A request's e-mails go to the extranet account that made the request (none when it has no
address); an attestation's go to ``attestation_recipients``. Each is in the cabinet's name,
and each function returns how many were sent. Links are built from ``settings.SITE_URL``,
never from a request's Host header.
"""

from __future__ import annotations

from contracts.mail import email_send
from contracts.selectors import client_accounts
from documents.models import AttestationBatch, AttestationRequest, Document
from documents.selectors import attestation_origin_request
from documents.verification import validity_text


def attestation_request_recipients(*, request: AttestationRequest) -> list:
    """Who hears about a request: the account that made it on the extranet; for one staff
    made (a beneficiary's entry), every account that reaches the client."""
    if request.origin == AttestationRequest.Origin.EXTRANET:
        return [request.user]
    return list(client_accounts(request.contract.client_id).distinct().order_by("pk"))


def attestation_available_email_send(*, request: AttestationRequest) -> int:
    """« Votre attestation est disponible »: where to download it (« Documents » tab)."""
    return sum(
        email_send(
            name="attestation_available",
            context={"request": request, "recipient": account},
            user=account,
        )
        for account in attestation_request_recipients(request=request)
    )


def attestation_refused_email_send(*, request: AttestationRequest) -> int:
    """« Votre demande d'attestation a été refusée », with the reason when staff gave one."""
    return sum(
        email_send(
            name="attestation_refused",
            context={
                "request": request,
                "reason": request.refusal_reason.strip(),
                "recipient": account,
            },
            user=account,
        )
        for account in attestation_request_recipients(request=request)
    )


def attestation_batch_decided_email_send(*, batch: AttestationBatch, approved: bool) -> int:
    """One e-mail for a whole batch (« Tous les véhicules en cours ») once staff decided it:
    its attestations are available, or the request was refused (with the reason)."""
    from .batch_selectors import attestation_batch_progress, attestation_batch_summary

    progress = attestation_batch_progress(batch)
    task = batch.task
    context = {
        "batch": batch,
        "approved": approved,
        "summary": attestation_batch_summary(batch, progress.total),
        "ready": progress.ready,
        "reason": (task.decision_note if task is not None else "").strip(),
    }
    return email_send(name="attestation_batch_decided", context=context, user=batch.user)


def attestation_recipients(*, document: Document) -> list:
    """Who is told when an attestation changes: the account that asked for it (as for its
    request's e-mails; for a re-issue, whoever asked for the first one), the one holding
    it. Without one (staff generated it, or that account no longer reaches the client):
    every account that reaches the client. An account whose access was withdrawn is never
    told."""
    accounts = list(client_accounts(document.contract.client_id).distinct().order_by("pk"))
    request = attestation_origin_request(document)
    if request is not None:
        requester = [account for account in accounts if account.pk == request.user_id]
        if requester:
            return requester
    return accounts


def attestation_revoked_email_send(*, document: Document) -> int:
    """« Votre attestation n° … a été révoquée », with the reason staff chose to publish (never
    the internal one) and what to do now."""
    context = {"document": document, "reason": document.revocation_public_reason.strip()}
    return _send_each(name="attestation_revoked", context=context, document=document)


def attestation_replaced_email_send(*, document: Document) -> int:
    """« Votre attestation n° … est remplacée »: ``document`` is the new one, to use from now
    on; where to download it."""
    context = {
        "document": document,
        "replaced": Document.objects.filter(replaced_by=document).first(),
        "validity": validity_text(document),
    }
    return _send_each(name="attestation_replaced", context=context, document=document)


def _send_each(*, name: str, context: dict, document: Document) -> int:
    """One message per recipient, each greeted by name."""
    return sum(
        email_send(name=name, context={**context, "recipient": account}, user=account)
        for account in attestation_recipients(document=document)
    )
