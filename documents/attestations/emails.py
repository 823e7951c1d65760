"""E-mails to the client about an attestation request, in French.

Links are built from ``settings.SITE_URL``, never from a request's Host header. Each
function sends one message to the extranet account that made the request (none when it
has no address) and returns how many were sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext

from contracts.selectors import cabinet_get
from documents.models import AttestationRequest


def _extranet_url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _greeting(request: AttestationRequest) -> str:
    name = request.user.get_full_name()
    return gettext("Bonjour %(name)s,") % {"name": name} if name else gettext("Bonjour,")


def _send(request: AttestationRequest, subject: str, lines: list[str]) -> int:
    if not request.user.email:
        return 0
    body = "\n".join(
        [_greeting(request), "", *lines, "", gettext("Cordialement,"), cabinet_get().nom]
    )
    return EmailMessage(subject=subject, body=body + "\n", to=[request.user.email]).send()


def _about(request: AttestationRequest) -> list[str]:
    lines = [
        gettext("Attestation : %(title)s") % {"title": request.title},
        gettext("Contrat : %(numero)s") % {"numero": request.contract.numero},
    ]
    if request.beneficiary_label:
        lines.append(gettext("Bénéficiaire : %(label)s") % {"label": request.beneficiary_label})
    return lines


def attestation_available_email_send(*, request: AttestationRequest) -> int:
    """« Votre attestation est disponible »: where to download it (« Documents » tab)."""
    subject = gettext("Votre attestation est disponible – contrat %(numero)s") % {
        "numero": request.contract.numero
    }
    lines = [
        gettext("Votre demande d'attestation a été traitée : l'attestation est disponible."),
        "",
        *_about(request),
        "",
        gettext("Vous pouvez la télécharger dans l'onglet « Documents » de votre contrat :"),
        _extranet_url("extranet:contract_documents", request.contract_id),
    ]
    return _send(request, subject, lines)


def attestation_refused_email_send(*, request: AttestationRequest) -> int:
    """« Votre demande d'attestation a été refusée », with the reason when staff gave one."""
    subject = gettext("Votre demande d'attestation a été refusée – contrat %(numero)s") % {
        "numero": request.contract.numero
    }
    reason = request.refusal_reason.strip()
    lines = [
        gettext("Votre demande d'attestation n'a pas été acceptée par le cabinet."),
        "",
        *_about(request),
        "",
        gettext("Motif : %(reason)s") % {"reason": reason}
        if reason
        else gettext("Aucun motif n'a été précisé. Contactez le cabinet pour en savoir plus."),
        "",
        gettext("Votre demande sur votre espace client :"),
        _extranet_url("extranet:attestation_request", request.pk),
    ]
    return _send(request, subject, lines)
