"""E-mails to the client about an attestation request (templates under ``templates/emails/``).

Each function sends one message to the extranet account that made the request (none when
it has no address), in the cabinet's name, and returns how many were sent. Links are built
from ``settings.SITE_URL``, never from a request's Host header.
"""

from __future__ import annotations

from contracts.mail import email_send
from documents.models import AttestationRequest


def attestation_available_email_send(*, request: AttestationRequest) -> int:
    """« Votre attestation est disponible »: where to download it (« Documents » tab)."""
    return email_send(name="attestation_available", context={"request": request}, user=request.user)


def attestation_refused_email_send(*, request: AttestationRequest) -> int:
    """« Votre demande d'attestation a été refusée », with the reason when staff gave one."""
    return email_send(
        name="attestation_refused",
        context={"request": request, "reason": request.refusal_reason.strip()},
        user=request.user,
    )
