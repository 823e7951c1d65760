"""What a third party checks: an attestation's validity, its verification code, its live state
and whether a file is, byte for byte, the one the cabinet issued.

The verification page (``verification/``), ``manage.py attestation_check`` and the extranet all
read an attestation's state here, and only here.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.models import Contract
from modulr.formatting import format_date

from .models import AttestationRequest, Document, DocumentTemplate

# No 0/O, no 1/I: a code read on paper or over the phone is typed right. 16 symbols of 32:
# 80 random bits, never derived from the number.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


# -- the code ---------------------------------------------------------------------------------


def verification_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verification_code_normalize(text: str) -> str:
    """What someone typed (« abcd-efgh jkmn pqrs ») as stored, or "" if it cannot be a code."""
    code = re.sub(r"[\s\-.]", "", str(text or "")).upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return ""
    return code


def verification_code_display(code: str) -> str:
    """The code as printed: four groups of four (ABCD-EFGH-JKMN-PQRS)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verification_qr_png(url: str) -> bytes:
    """A QR code of ``url`` as a PNG (segno; medium error correction: a crease, a stamp)."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def verification_url(code: str) -> str:
    """The public page of the code, absolute: printed on the attestation and in its QR code
    (no code: the page's form)."""
    path = reverse("verification:code", args=[code]) if code else reverse("verification:form")
    return settings.SITE_URL.rstrip("/") + path


# -- validity ---------------------------------------------------------------------------------


def _date(value) -> datetime.date | None:
    text = str(value or "").strip()
    try:
        if match := _ISO_DATE.match(text):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _FRENCH_DATE.match(text):
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def attestation_validity(
    *,
    template: DocumentTemplate,
    contract: Contract,
    beneficiary=None,
    values: dict[str, str],
    today: datetime.date,
) -> tuple[datetime.date, datetime.date | None]:
    """(valid from, valid until; None: no end known) of an attestation issued ``today``.

    From the model's two date fields when it names them (an event's dates), else from today
    to the end of the paid quittance covering today; always bounded by the contract's end
    and the beneficiary's exit.
    """
    from contracts.selectors import contract_eligibility

    ends = [contract.date_fin, getattr(beneficiary, "date_sortie", None)]
    if template.validity_start_field or template.validity_end_field:
        start = _date(values.get(template.validity_start_field)) or today
        ends.append(_date(values.get(template.validity_end_field)))
    else:
        start = today
        quittance = contract_eligibility(contract=contract, today=today).paid_quittance
        ends.append(quittance.periode_fin if quittance else None)
    known = [end for end in ends if end is not None]
    return start, min(known) if known else None


def validity_text(document: Document) -> str:
    """« du 01/12/2026 au 31/12/2026 », as the page and the extranet show it."""
    if document.valid_from is None:
        return ""
    if document.valid_until is None:
        return _("à partir du %(start)s") % {"start": format_date(document.valid_from)}
    return _("du %(start)s au %(end)s") % {
        "start": format_date(document.valid_from),
        "end": format_date(document.valid_until),
    }


# -- the live state ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AttestationState:
    """``kind``: valid, upcoming, expired, revoked, replaced or contract_ended; ``text``: the
    sentence the public page shows (« Valide jusqu'au 31/12/2026 »); ``note``: what follows
    it (the reason staff chose to publish, the replacing attestation's number)."""

    kind: str
    text: str
    note: str = ""

    @property
    def valid(self) -> bool:
        return self.kind in ("valid", "upcoming")


# The contract statuses that end its attestations (from their date): the state here, and the
# « En vigueur » filter of documents.selectors in SQL.
CONTRACT_ENDED = {
    Contract.Status.RESILIE: (
        gettext_lazy("Contrat résilié depuis le %(date)s"),
        gettext_lazy("Contrat résilié"),
    ),
    Contract.Status.SUSPENDU: (
        gettext_lazy("Contrat suspendu depuis le %(date)s"),
        gettext_lazy("Contrat suspendu"),
    ),
    Contract.Status.SANS_EFFET: (
        gettext_lazy("Contrat sans effet depuis le %(date)s"),
        gettext_lazy("Contrat sans effet"),
    ),
}


def attestation_state(
    document: Document, *, today: datetime.date | None = None
) -> AttestationState:
    """The attestation's state today: revoked, replaced, contract ended, expired, valid."""
    today = today or timezone.localdate()
    if document.revoked_at is not None:
        text = _("Révoquée le %(date)s") % {
            "date": format_date(timezone.localdate(document.revoked_at))
        }
        return AttestationState("revoked", text, document.revocation_public_reason)
    if document.replaced_by_id is not None:
        text = _("Remplacée par l'attestation n° %(numero)s") % {
            "numero": document.replaced_by.numero or ""
        }
        return AttestationState("replaced", text)
    contract = document.contract
    if contract.status in CONTRACT_ENDED:
        since, undated = CONTRACT_ENDED[contract.status]
        ended = contract.date_resiliation
        if ended is None:
            return AttestationState("contract_ended", str(undated))
        if ended <= today:
            return AttestationState("contract_ended", str(since) % {"date": format_date(ended)})
    if document.valid_until is not None and document.valid_until < today:
        expired = document.valid_until + datetime.timedelta(days=1)
        return AttestationState(
            "expired", _("Expirée depuis le %(date)s") % {"date": format_date(expired)}
        )
    if document.valid_from is not None and document.valid_from > today:
        text = _("Valide à partir du %(date)s") % {"date": format_date(document.valid_from)}
        until = format_date(document.valid_until) if document.valid_until else ""
        return AttestationState(
            "upcoming", text, _("jusqu'au %(date)s") % {"date": until} if until else ""
        )
    if document.valid_until is None:
        return AttestationState("valid", _("Valide"))
    return AttestationState(
        "valid", _("Valide jusqu'au %(date)s") % {"date": format_date(document.valid_until)}
    )


# -- finding it -------------------------------------------------------------------------------


def attestations_issued() -> QuerySet[Document]:
    """Attestations handed out: not one still waiting for staff's validation (it may be
    refused and destroyed), nor one without a code (not an attestation)."""
    waiting = AttestationRequest.Status.AWAITING_VALIDATION
    return (
        Document.objects.filter(verification_code__isnull=False)
        .exclude(attestation_request__status=waiting)
        .select_related("contract", "beneficiary", "replaced_by")
    )


def attestation_find(*, code: str, numero: str | None = None) -> Document | None:
    """The issued attestation of this code (and this number, when given); None otherwise.
    An unknown code and a wrong number give the same None: a number alone proves nothing."""
    code = verification_code_normalize(code)
    if not code:
        return None
    document = attestations_issued().filter(verification_code=code).first()
    if document is None:
        return None
    if numero is not None and (document.numero or "") != str(numero).strip().upper():
        return None
    return document


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attestation_file_matches(document: Document, data: bytes) -> bool:
    """Whether ``data`` is, byte for byte, the file the cabinet issued (SHA-256 kept at
    generation). Nothing of ``data`` is kept."""
    return bool(document.sha256) and hmac.compare_digest(file_digest(data), document.sha256)


def attestation_find_by_file(data: bytes) -> Document | None:
    """The issued attestation whose delivered file is, byte for byte, ``data`` (for staff, who
    are sent the file itself)."""
    return attestations_issued().filter(sha256=file_digest(data)).first()


def attestation_public_facts(document: Document) -> list[tuple[str, str]]:
    """What the public page shows of an attestation: what the paper shows, and less."""
    from contracts.selectors import cabinet_get

    beneficiary = document.beneficiary.libelle if document.beneficiary else ""
    facts = [
        (_("Attestation n°"), document.numero or ""),
        (_("Délivrée le"), format_date(timezone.localdate(document.created_at))),
        (_("Par le cabinet"), cabinet_get().nom),
        (_("Compagnie d'assurance"), document.contract.assureur),
        (_("Contrat n°"), document.contract.numero),
        (_("Bénéficiaire"), beneficiary),
        (_("Validité"), validity_text(document)),
    ]
    return [(label, value) for label, value in facts if value]
