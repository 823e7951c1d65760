"""`manage.py attestation_check FICHIER.pdf [--code C] [--numero N]`: for staff asked on the
phone whether an attestation is genuine. Finds it by the file's fingerprint (or by its code,
or its number), then says its state, its validity, whether the file is the one delivered and
what its electronic seal is worth.

Exit code 0 only when the file is the one the cabinet delivered and the attestation is valid
today; 1 otherwise. Every rule is ``documents.verification``'s.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.engine import SealError, pdf_seal_check
from documents.models import Document
from documents.verification import (
    attestation_file_matches,
    attestation_find,
    attestation_find_by_file,
    attestation_state,
    attestations_issued,
    validity_text,
)
from modulr.formatting import format_date


def _yes_no(value: bool) -> str:
    return _("oui") if value else _("non")


def seal_text(data: bytes) -> str:
    """« valide (signataire …) », « absent », « altéré » or « non reconnu (…) »."""
    try:
        check = pdf_seal_check(data)
    except SealError as error:
        return _("impossible à vérifier : %(error)s") % {"error": error}
    if not check.sealed:
        return _("absent")
    if not check.intact:
        return _("altéré (le fichier a été modifié après le cachet)")
    if not check.trusted:
        return _("non reconnu (signataire : %(signer)s)") % {"signer": check.signer}
    signed = ""
    if check.signed_at is not None:
        at = timezone.localtime(check.signed_at)
        signed = _(", le %(date)s à %(time)s") % {
            "date": format_date(at.date()),
            "time": at.strftime("%H:%M"),
        }
        if check.timestamped:
            signed += _(" (horodaté)")
    return _("valide (signataire : %(signer)s%(signed)s)") % {
        "signer": check.signer,
        "signed": signed,
    }


class Command(BaseCommand):
    help = _(
        "Vérifie un fichier d'attestation (PDF) : attestation retrouvée, état, validité, "
        "fichier identique à celui délivré, cachet électronique. Code de sortie 0 si "
        "l'attestation est authentique et valide, 1 sinon."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("le fichier reçu (PDF)"))
        parser.add_argument("--code", help=_("code de vérification imprimé sur l'attestation"))
        parser.add_argument("--numero", help=_("numéro de l'attestation (ATT-2026-000123)"))

    def handle(self, *args, file, code, numero, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Fichier illisible : %(path)s (%(error)s).")
                % {"path": file, "error": error.strerror}
            ) from None
        document = self._find(data, code=code, numero=numero)
        if document is None:
            self.stdout.write(_("Aucune attestation délivrée ne correspond à ce fichier."))
            self.stdout.write(_("Cachet électronique : %s") % seal_text(data))
            raise CommandError(_("Attestation introuvable : à ne pas accepter."))
        state = attestation_state(document)
        identical = attestation_file_matches(document, data)
        lines = [
            (_("Attestation n°"), document.numero or ""),
            (_("État"), f"{state.text} – {state.note}" if state.note else state.text),
            (_("Validité"), validity_text(document)),
            (_("Fichier identique à celui délivré"), _yes_no(identical)),
            (_("Cachet électronique"), seal_text(data)),
        ]
        for label, value in lines:
            self.stdout.write(f"{label} : {value}")
        if not identical:
            raise CommandError(
                _("Ce fichier n'est pas celui que le cabinet a délivré : à ne pas accepter.")
            )
        if not state.valid:
            raise CommandError(
                _("Attestation authentique mais plus valable : %(state)s.") % {"state": state.text}
            )
        self.stdout.write(self.style.SUCCESS(_("Attestation authentique et valide.")))

    def _find(self, data: bytes, *, code: str | None, numero: str | None) -> Document | None:
        if code:
            return attestation_find(code=code, numero=numero)
        found = attestation_find_by_file(data)
        if found is None and numero:
            # Staff, not the public: a number alone finds the attestation to compare with.
            found = attestations_issued().filter(numero=numero.strip().upper()).first()
        return found
