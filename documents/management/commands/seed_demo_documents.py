"""``manage.py seed_demo_documents``: the demo attestation models, checked like any upload."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from documents.demo import seed_demo_documents


class Command(BaseCommand):
    help = _(
        "Crée les modèles d'attestation de démonstration (après seed_demo) et les rattache aux "
        "produits de démonstration. Sans effet s'il est relancé."
    )

    def handle(self, *args, **options):
        templates = seed_demo_documents()
        self.stdout.write(
            self.style.SUCCESS(
                _("Modèles d'attestation de démonstration à jour : %(count)d modèles.")
                % {"count": len(templates)}
            )
        )
