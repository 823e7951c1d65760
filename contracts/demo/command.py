"""What both demo commands (``seed_demo``, ``seed_demo_documents``) share: they refuse to run
with DEBUG off, where they would put demo accounts with a published password in production,
unless asked with ``--force``."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class DemoSeedCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Charge les données de démonstration même quand DEBUG est désactivé."),
        )

    def execute(self, *args, **options):
        if not settings.DEBUG and not options.get("force"):
            raise CommandError(
                _(
                    "Données de démonstration refusées : DEBUG est désactivé (production ?). "
                    "Relancez avec --force pour les charger quand même."
                )
            )
        return super().execute(*args, **options)
