"""``manage.py demo_logins``: prints the intranet and extranet URLs and the demo accounts."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.utils.translation import gettext as _

from contracts.demo import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = _("Affiche les adresses de l'intranet et de l'extranet et les comptes de démonstration.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=settings.SITE_URL,
            help=_("Adresse de base du site (par défaut : SITE_URL)."),
        )

    def handle(self, *args, url, **options):
        base = url.rstrip("/")
        existing = self._existing_usernames()
        out = self.stdout
        out.write("")
        out.write(self.style.MIGRATE_HEADING(_("modulr : comptes de démonstration")))
        out.write(_("  Intranet (équipe du cabinet) : %s") % f"{base}/intranet/")
        out.write(_("  Extranet (clients)           : %s") % f"{base}/extranet/")
        out.write(_("  Mot de passe de tous les comptes : %s") % DEMO_PASSWORD)
        out.write("")
        rows = [(_("Identifiant"), _("Espace"), _("Rôle et clients"))]
        for login in DEMO_LOGINS:
            role = login.role
            if login.clients:
                role = f"{role} : {', '.join(login.clients)}"
            rows.append((login.username, login.portal, role))
        width = [max(len(row[i]) for row in rows) for i in range(2)]
        for i, (username, portal, role) in enumerate(rows):
            line = f"  {username:<{width[0]}}  {portal:<{width[1]}}  {role}"
            out.write(self.style.SQL_FIELD(line) if i == 0 else line)
        if existing is not None and len(existing) < len(DEMO_LOGINS):
            out.write("")
            out.write(
                self.style.WARNING(
                    _(
                        "  Certains comptes n'existent pas encore : lancez "
                        "« python manage.py seed_demo »."
                    )
                )
            )
        out.write("")

    def _existing_usernames(self) -> set[str] | None:
        """The demo accounts present in the database; None when it cannot be read."""
        try:
            return set(
                get_user_model()
                .objects.filter(username__in=[login.username for login in DEMO_LOGINS])
                .values_list("username", flat=True)
            )
        except DatabaseError:  # not migrated yet: print the table anyway
            return None
