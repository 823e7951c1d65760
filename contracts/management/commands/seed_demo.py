"""``manage.py seed_demo``: the demo cabinet, its products, clients, contracts and accounts."""

from django.utils.translation import gettext as _

from contracts.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from contracts.demo.command import DemoSeedCommand


class Command(DemoSeedCommand):
    help = _(
        "Crée (ou remet à jour) le cabinet de démonstration : produits, clients, contrats, "
        "quittances et comptes. Sans effet s'il est relancé."
    )

    def handle(self, *args, **options):
        seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                _("Données de démonstration à jour : %(count)d comptes, mot de passe « %(pw)s ».")
                % {"count": len(DEMO_LOGINS), "pw": DEMO_PASSWORD}
            )
        )
