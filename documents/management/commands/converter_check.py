"""`manage.py converter_check`: converts a one-paragraph Word document on each converter of
``CONVERTER_PORTS`` (one-shot soffice when there are none) and checks a PDF comes back.

Exit code 0 when every converter did, 1 otherwise: usable from a probe or a deploy script.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from documents.engine import converters_check


class Command(BaseCommand):
    help = _(
        "Essaie une conversion PDF sur chaque convertisseur (CONVERTER_PORTS) ; "
        "code de sortie 1 si l'un d'eux échoue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help=_("délai d'une conversion, en secondes (défaut : CONVERTER_TIMEOUT)"),
        )

    def handle(self, *args, timeout, **options):
        checks = converters_check(timeout=timeout)
        for check in checks:
            name = (
                _("port %s") % check.converter
                if check.converter is not None
                else _("soffice ponctuel")
            )
            if check.ok:
                self.stdout.write(
                    _("%(name)s : PDF correct en %(ms)d ms")
                    % {"name": name, "ms": check.duration_ms}
                )
            else:
                self.stdout.write(
                    _("%(name)s : ÉCHEC – %(detail)s") % {"name": name, "detail": check.detail}
                )
        failed = sum(not check.ok for check in checks)
        if failed:
            raise CommandError(
                _("%(failed)d convertisseur(s) sur %(total)d en échec.")
                % {"failed": failed, "total": len(checks)}
            )
        self.stdout.write(_("Tous les convertisseurs répondent (%d).") % len(checks))
