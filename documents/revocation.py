"""« Révoquer » and « Réémettre »: an attestation the cabinet withdraws, or replaces by a
corrected one.

A paper handed out cannot be taken back: revoking marks the attestation withdrawn, and its
verification page and the extranet say so from then on; re-issuing generates a new
attestation (new number, new code) that replaces it. Either is recorded in the audit trail
of the request the attestation answers, and the client is e-mailed once the change commits.
The attestation's live state is read in ``documents.verification``.
"""

from __future__ import annotations

from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from modulr.formatting import format_date

from .attestations.emails import attestation_replaced_email_send, attestation_revoked_email_send
from .attestations.values import attestation_values_clean
from .models import AttestationEvent, AttestationRequest, Document, DocumentTemplate
from .selectors import attestation_origin_request, attestation_values_of
from .services import attestation_generate, document_destroy
from .verification import attestations_issued

REVOCATION_REASON_MAX_LENGTH = 2000
PUBLIC_REASON_MAX_LENGTH = Document._meta.get_field("revocation_public_reason").max_length


class AttestationChangeRefused(ValueError):
    """The attestation cannot be revoked or re-issued; ``str(exc)`` is the French reason for
    staff. Nothing was changed."""


# -- « Révoquer » -------------------------------------------------------------------------------


def attestation_revoke(
    *, document: Document, user: AbstractBaseUser, reason: str, public_reason: str = ""
) -> None:
    """Revoke an issued attestation: from now on it reads « Révoquée le … », with
    ``public_reason`` (shown to anyone holding the attestation); ``reason`` is for staff.

    Refused (``AttestationChangeRefused``) without a reason, for a document that is no issued
    attestation, and for one already revoked: a revocation is never overwritten. The client
    is e-mailed once it commits, when the attestation was shared on the extranet.
    """
    reason = (reason or "").strip()
    public_reason = " ".join((public_reason or "").split())
    if not reason:
        raise AttestationChangeRefused(gettext("Indiquez le motif de la révocation."))
    if len(reason) > REVOCATION_REASON_MAX_LENGTH:
        raise AttestationChangeRefused(
            gettext("Le motif est trop long (%(max)s caractères au plus).")
            % {"max": REVOCATION_REASON_MAX_LENGTH}
        )
    if len(public_reason) > PUBLIC_REASON_MAX_LENGTH:
        raise AttestationChangeRefused(
            gettext("Le motif affiché est trop long (%(max)s caractères au plus).")
            % {"max": PUBLIC_REASON_MAX_LENGTH}
        )
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(document)
        if refusal := attestation_revoke_refusal(locked):
            raise AttestationChangeRefused(refusal)
        Document.objects.filter(pk=locked.pk).update(
            revoked_at=now,
            revoked_by=user,
            revocation_reason=reason,
            revocation_public_reason=public_reason,
        )
        detail = f"{locked.numero} – {reason}"
        _event(locked, AttestationEvent.Kind.REVOKED, user, now, detail=detail)
        if locked.shared_on_extranet:
            transaction.on_commit(partial(_email_revoked, locked.pk), robust=True)
    document.refresh_from_db(
        fields=["revoked_at", "revoked_by", "revocation_reason", "revocation_public_reason"]
    )


# -- « Réémettre » ------------------------------------------------------------------------------


def attestation_reissue(
    *, document: Document, user: AbstractBaseUser, values: dict[str, str] | None = None
) -> Document:
    """Generate a corrected attestation that replaces ``document``; returns the new one.

    Same model, contract and beneficiary; the fields' values are ``values`` (checked as a
    client's are: ``RequestRefused`` with the errors by field) or, without them, those the
    attestation was filled with. The new one gets its own number, code and validity, and is
    shared on the extranet when the old one was. Refused (``AttestationChangeRefused``) for a
    revoked or already replaced attestation, or when its model or beneficiary is gone;
    generation errors propagate (``documents.services.attestation_generate``). The client is
    e-mailed once it commits, when the new one is shared.

    Generation runs before the transaction (the attestation counter stays locked until the
    transaction that took a number ends); a replacement that loses a race with another, or
    with a revocation, destroys the attestation it generated.
    """
    if refusal := attestation_reissue_refusal(document):
        raise AttestationChangeRefused(refusal)
    template = document.template
    if values is None:
        values = attestation_values_of(document)
    else:
        values = attestation_values_clean(template=template, values=values)
    new = attestation_generate(
        template=template,
        contract=document.contract,
        beneficiary=document.beneficiary,
        values=values,
        user=user,
        shared=False,
    )
    try:
        with transaction.atomic():
            locked = _locked(document)
            if refusal := attestation_reissue_refusal(locked):
                raise AttestationChangeRefused(refusal)
            now = timezone.now()
            Document.objects.filter(pk=locked.pk).update(replaced_by=new)
            if locked.shared_on_extranet:
                Document.objects.filter(pk=new.pk).update(
                    shared_on_extranet=True, shared_at=now, shared_by=user
                )
                transaction.on_commit(partial(_email_replaced, new.pk), robust=True)
            detail = gettext("%(old)s remplacée par %(new)s") % {
                "old": locked.numero,
                "new": new.numero,
            }
            _event(locked, AttestationEvent.Kind.REPLACED, user, now, detail=detail)
    except BaseException:
        document_destroy(document=new)
        raise
    document.refresh_from_db(fields=["replaced_by"])
    new.refresh_from_db()
    return new


# -- what may be done -----------------------------------------------------------------------------


def attestation_revoke_refusal(document: Document) -> str:
    """Why ``document`` cannot be revoked, in French for staff; "" when it can (an issued
    attestation, not revoked yet). The service's rule, and the intranet's buttons'."""
    if refusal := _not_issued_refusal(document):
        return refusal
    if document.revoked_at is not None:
        return gettext("Cette attestation est déjà révoquée depuis le %(date)s.") % {
            "date": format_date(timezone.localdate(document.revoked_at))
        }
    return ""


def attestation_reissue_refusal(document: Document) -> str:
    """Why ``document`` cannot be re-issued, in French for staff; "" when it can (an issued
    attestation neither revoked nor replaced, whose model and beneficiary still exist)."""
    if refusal := _not_issued_refusal(document):
        return refusal
    if document.revoked_at is not None:
        return gettext(
            "Cette attestation est révoquée : elle ne peut pas être réémise. Générez-en une "
            "nouvelle."
        )
    if document.replaced_by_id is not None:
        replacement = Document.objects.filter(pk=document.replaced_by_id).first()
        return gettext("Cette attestation est déjà remplacée par l'attestation n° %(numero)s.") % {
            "numero": replacement.numero if replacement else ""
        }
    template = document.template
    if template is None:
        return gettext(
            "Le modèle de cette attestation n'existe plus : elle ne peut pas être réémise."
        )
    if template.entity == DocumentTemplate.Entity.BENEFICIAIRE and document.beneficiary is None:
        return gettext(
            "Le bénéficiaire de cette attestation n'existe plus sur le contrat : elle ne peut "
            "pas être réémise."
        )
    return ""


def _not_issued_refusal(document: Document) -> str:
    """Empty for an issued attestation (``attestations_issued``); otherwise why it is not one."""
    if not document.verification_code:
        return gettext(
            "Ce document n'est pas une attestation : il n'a pas de code de vérification."
        )
    if attestations_issued().filter(pk=document.pk).exists():
        return ""
    return gettext(
        "Cette attestation attend la validation du cabinet : refusez la demande plutôt que de "
        "la révoquer ou de la réémettre."
    )


def _locked(document: Document) -> Document:
    """The document's row, locked until the caller's ``atomic()`` ends."""
    locked = Document.objects.select_for_update().filter(pk=document.pk).first()
    if locked is None:
        raise AttestationChangeRefused(gettext("Cette attestation n'existe plus."))
    return locked


def _event(document: Document, kind: str, user, at, *, detail: str) -> None:
    """The step in the audit trail of the request the attestation answers, if any (one
    staff generated has no request, and no trail)."""
    request: AttestationRequest | None = attestation_origin_request(document)
    if request is not None:
        AttestationEvent.objects.create(
            request=request, kind=kind, actor=user, at=at, detail=detail
        )


def _email_revoked(document_id: int) -> None:
    document = Document.objects.select_related("contract").get(pk=document_id)
    attestation_revoked_email_send(document=document)


def _email_replaced(document_id: int) -> None:
    document = Document.objects.select_related("contract").get(pk=document_id)
    attestation_replaced_email_send(document=document)
