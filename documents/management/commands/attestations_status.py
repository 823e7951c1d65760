"""`manage.py attestations_status`: where the attestation requests stand, for operations.

Counts by status, the oldest request in progress, the stuck ones (job lost: the « stale »
rule), the failed ones with their error, and each converter of ``CONVERTER_PORTS``.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from documents.attestations.stats import (
    attestation_request_oldest_in_progress,
    attestation_request_technical_error,
    attestation_requests_failed,
    attestation_requests_status_counts,
    attestation_requests_stuck,
)
from documents.engine import converters_state, soffice_found
from documents.models import AttestationRequest

# Longer lists are cut, with how many were left out.
LISTED = 20


def _when(value) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y %H:%M:%S}"


def _label(request: AttestationRequest) -> str:
    return f"n° {request.pk} – {request.title} ({request.contract.numero})"


class Command(BaseCommand):
    help = _(
        "Affiche l'état des demandes d'attestation (par statut, bloquées, en échec) et des "
        "convertisseurs PDF."
    )

    def handle(self, *args, **options):
        self._counts()
        self._oldest()
        self._listed(
            _("Demandes bloquées (travail perdu, à relancer) : %(count)d"),
            attestation_requests_stuck(),
            lambda r: _("%(request)s – %(status)s depuis le %(since)s")
            % {"request": _label(r), "status": r.status, "since": _when(r.updated_at)},
        )
        self._listed(
            _("Demandes en échec : %(count)d"),
            attestation_requests_failed(),
            lambda r: f"{_label(r)} – {_when(r.updated_at)} – "
            f"{attestation_request_technical_error(r)}",
        )
        self._converters()

    def _counts(self) -> None:
        self.stdout.write(_("Demandes d'attestation par statut :"))
        labels = dict(AttestationRequest.Status.choices)
        for status, count in attestation_requests_status_counts().items():
            self.stdout.write(f"  {labels[status]} ({status}) : {count}")

    def _oldest(self) -> None:
        oldest = attestation_request_oldest_in_progress()
        if oldest is None:
            self.stdout.write(_("Aucune demande en cours."))
            return
        self.stdout.write(
            _(
                "Plus ancienne demande en cours : %(request)s, %(status)s, "
                "demandée le %(at)s (%(age)s)"
            )
            % {
                "request": _label(oldest),
                "status": oldest.status,
                "at": _when(oldest.created_at),
                "age": _("il y a %s") % timesince(oldest.created_at),
            }
        )

    def _listed(self, title: str, queryset, line) -> None:
        count = queryset.count()
        self.stdout.write(title % {"count": count})
        for request in queryset[:LISTED]:
            self.stdout.write(f"  {line(request)}")
        if count > LISTED:
            self.stdout.write("  " + _("… et %(more)d autres") % {"more": count - LISTED})

    def _converters(self) -> None:
        if not settings.CONVERTER_PORTS:
            found = _("trouvé") if soffice_found() else _("INTROUVABLE")
            self.stdout.write(
                _("Convertisseurs : aucun pool (CONVERTER_PORTS vide), soffice ponctuel (%s).")
                % found
            )
            return
        self.stdout.write(_("Convertisseurs (CONVERTER_PORTS) :"))
        for state in converters_state():
            self.stdout.write(
                "  "
                + _("port %(port)s : %(answer)s, pid %(pid)s, mémoire %(memory)s")
                % {
                    "port": state.port,
                    "answer": _("répond") if state.answering else _("NE RÉPOND PAS"),
                    "pid": state.pid or "—",
                    "memory": f"{state.memory_bytes / 2**20:.0f} Mo" if state.memory_bytes else "—",
                }
            )
