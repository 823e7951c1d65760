"""`manage.py attestations_retry`: send failed attestation requests again, as staff's
« Relancer la génération » does (``attestation_request_retry``, every check again).

``--user`` names the staff member it is done for: the request's history records them, and
the retry counts in their hourly limit, exactly as from the intranet.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from documents.attestations.jobs import in_process_jobs_wait
from documents.attestations.stats import attestation_requests_failed
from documents.attestations.submit import RequestRefused, attestation_request_retry
from documents.models import AttestationRequest


class Command(BaseCommand):
    help = _(
        "Relance la génération de demandes d'attestation en échec (--id N … ou --all-failed), "
        "au nom d'un membre du personnel (--user)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--id", type=int, nargs="+", dest="ids", help=_("numéros des demandes"))
        which.add_argument(
            "--all-failed", action="store_true", help=_("toutes les demandes en échec")
        )
        parser.add_argument(
            "--user",
            required=True,
            help=_("identifiant du membre du personnel au nom duquel relancer"),
        )

    def handle(self, *args, ids, all_failed, user, **options):
        staff = (
            get_user_model().objects.filter(username=user, is_staff=True, is_active=True).first()
        )
        if staff is None:
            raise CommandError(_("« %s » n'est pas un compte du personnel actif.") % user)
        if all_failed:
            ids = list(attestation_requests_failed().order_by("pk").values_list("pk", flat=True))
        requests = AttestationRequest.objects.select_related("contract", "template", "beneficiary")
        found = requests.in_bulk(ids)
        sent = 0
        for pk in ids:
            request = found.get(pk)
            if request is None:
                self.stdout.write(_("Demande %s : introuvable.") % pk)
            elif request.status != AttestationRequest.Status.FAILED:
                self.stdout.write(
                    _("Demande %(pk)s : pas en échec (%(status)s), non relancée.")
                    % {"pk": pk, "status": request.get_status_display()}
                )
            else:
                sent += self._retry(request, staff)
        self.stdout.write(_("Demandes relancées : %d") % sent)
        # Embedded default (no broker): the jobs run in this process's threads; let them end.
        in_process_jobs_wait()

    def _retry(self, request: AttestationRequest, staff) -> bool:
        label = f"{request.pk} – {request.title} ({request.contract.numero})"
        try:
            attestation_request_retry(request=request, user=staff)
        except RequestRefused as refused:
            self.stdout.write(_("Demande %(request)s : refusée – %(reason)s")
                              % {"request": label, "reason": refused})  # fmt: skip
            return False
        self.stdout.write(_("Demande %s : génération relancée.") % label)
        return True
