"""`manage.py seal_certificate_create`: a self-signed sealing certificate for trials, as the
PKCS#12 file of ``SEAL_PKCS12_PATH`` and its passphrase in a file beside it (both mode 0600).

A file already there is kept (without ``--force``), so ``make run`` calls it every time. The
passphrase is never printed: the app reads it from its file (``SEAL_PKCS12_PASSWORD_FILE``).
In production, a certificate from a trust service provider replaces the trial one.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from documents.engine import seal_certificate_create


def _write_private(path: Path, data: bytes) -> None:
    """``data`` in ``path``, readable by its owner only, whole or not at all."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = _(
        "Crée un certificat de cachet électronique auto-signé (pour essai) : un fichier "
        "PKCS#12 et son mot de passe dans un fichier à côté, lisibles par leur seul "
        "propriétaire. Un fichier existant est conservé, sauf avec --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help=_("fichier PKCS#12 à écrire (défaut : seal.p12 dans VAR_DIR)")
        )
        parser.add_argument(
            "--name", help=_("nom du signataire (défaut : le nom du cabinet)"), default=""
        )
        parser.add_argument(
            "--days", type=int, default=730, help=_("durée de validité en jours (défaut : 730)")
        )
        parser.add_argument(
            "--password-file",
            help=_(
                "fichier qui contient déjà le mot de passe à utiliser (défaut : un mot de passe "
                "aléatoire écrit dans <output>.password)"
            ),
        )
        parser.add_argument(
            "--force", action="store_true", help=_("remplace le certificat existant")
        )

    def handle(self, *args, output, name, days, password_file, force, **options):
        output = Path(output or Path(settings.VAR_DIR) / "seal.p12").resolve()
        password_path = Path(password_file).resolve() if password_file else None
        if output.exists() and not force:
            self.stdout.write(
                _(
                    "Le certificat du cachet existe déjà : %(path)s (conservé ; --force pour le "
                    "remplacer)."
                )
                % {"path": output}
            )
            self._settings_print(output, password_path or self._password_default(output))
            return
        if days < 1:
            raise CommandError(_("--days : au moins un jour."))
        name = name.strip() or self._cabinet_name()
        if password_path is not None:
            passphrase = self._passphrase_read(password_path)
        else:
            password_path = output.with_name(output.name + ".password")
            passphrase = secrets.token_urlsafe(32).encode()
        pkcs12 = seal_certificate_create(name=name, passphrase=passphrase, days=days)
        output.parent.mkdir(parents=True, exist_ok=True)
        if not password_file:
            _write_private(password_path, passphrase + b"\n")
        _write_private(output, pkcs12)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Certificat de cachet électronique créé pour « %(name)s » : %(path)s, valable "
                    "%(days)d jours. Auto-signé : pour essai seulement (un lecteur PDF signale "
                    "un cachet d'origine inconnue)."
                )
                % {"name": name, "path": output, "days": days}
            )
        )
        self._settings_print(output, password_path)

    def _password_default(self, output: Path) -> Path:
        path = output.with_name(output.name + ".password")
        if not path.exists():
            raise CommandError(
                _(
                    "Le mot de passe du certificat existant est introuvable (%(path)s) : "
                    "indiquez --password-file, ou recréez le certificat avec --force."
                )
                % {"path": path}
            )
        return path

    def _passphrase_read(self, path: Path) -> bytes:
        try:
            passphrase = path.read_bytes().rstrip(b"\r\n")
        except OSError as error:
            raise CommandError(
                _("Fichier de mot de passe illisible : %(path)s (%(error)s).")
                % {"path": path, "error": error.strerror}
            ) from None
        if not passphrase:
            message = _("Le fichier de mot de passe est vide : %(path)s.")
            raise CommandError(message % {"path": path})
        return passphrase

    def _cabinet_name(self) -> str:
        from contracts.selectors import cabinet_get

        name = cabinet_get().nom.strip()
        if not name:
            raise CommandError(_("Le cabinet n'a pas de nom : indiquez --name."))
        return name

    def _settings_print(self, output: Path, password_path: Path) -> None:
        self.stdout.write(_("Pour sceller les attestations, définissez pour l'application :"))
        self.stdout.write(f"  SEAL_PKCS12_PATH={output}")
        self.stdout.write(f"  SEAL_PKCS12_PASSWORD_FILE={password_path}")
        self.stdout.write(
            _(
                "(Plutôt que SEAL_PKCS12_PASSWORD avec le contenu de ce fichier : le mot de "
                "passe reste ainsi hors de l'environnement des processus.)"
            )
        )
