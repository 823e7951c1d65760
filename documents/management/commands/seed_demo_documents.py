"""``manage.py seed_demo_documents``: the demo attestation models, checked like any upload."""

from django.utils.translation import gettext as _

from contracts.demo.command import DemoSeedCommand
from documents.demo import seed_demo_documents


class Command(DemoSeedCommand):
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
