"""`manage.py attestation_requests_recover`: send again the requests whose job was lost.

Once (from cron), or in a loop with ``--every SECONDS`` (the Procfile's ``recover``).
"""

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.translation import gettext as _

from documents.attestations.jobs import in_process_jobs_wait
from documents.attestations.recovery import attestation_requests_recover


class Command(BaseCommand):
    help = _(
        "Relance les demandes d'attestation restées « en cours » plus longtemps que "
        "ATTESTATION_REQUEST_STALE_SECONDS (travail perdu : worker arrêté, broker injoignable) ; "
        "passe en échec celles déjà perdues trop de fois."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help=_("Recommence toutes les N secondes, jusqu'à SIGTERM ou Ctrl-C (0 : une fois)."),
        )

    def handle(self, *args, every: int, **options):
        stop = threading.Event()
        if every:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        while True:
            result = attestation_requests_recover()
            if result.sent or result.failed or not every:
                self.stdout.write(
                    _("Demandes relancées : %(sent)d ; passées en échec : %(failed)d")
                    % {"sent": len(result.sent), "failed": len(result.failed)}
                )
            if not every or stop.wait(every):
                break
            close_old_connections()  # a connection the database dropped meanwhile is reopened
        # Embedded default (no broker): the jobs run in this process's threads; let them end.
        in_process_jobs_wait()
