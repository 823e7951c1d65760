"""`manage.py run_converters`: the pool of PDF converters, in the foreground, until Ctrl-C."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from docgen import DEFAULT_PYTHON, PoolError
from documents.engine import converter_supervisor


def _ports(value: str) -> list[int]:
    return [int(port) for port in value.split(",") if port.strip()]


class Command(BaseCommand):
    help = (
        "Démarre un pool de convertisseurs PDF (unoserver, un LibreOffice chacun) sur "
        "127.0.0.1, les surveille et redémarre ceux qui s'arrêtent. Ctrl-C les arrête tous."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ports",
            type=_ports,
            help="Ports XML-RPC, séparés par des virgules (défaut : CONVERTER_PORTS, sinon "
            "--count ports à partir de --port). Le port UNO de chacun est ce port + 1000.",
        )
        parser.add_argument(
            "--count",
            type=int,
            default=os.cpu_count() or 1,
            help="Nombre de convertisseurs quand --ports et CONVERTER_PORTS sont vides "
            "(défaut : un par cœur).",
        )
        parser.add_argument("--port", type=int, default=2003, help="Premier port (défaut 2003).")
        parser.add_argument(
            "--python",
            default=DEFAULT_PYTHON,
            help="Python qui possède le module uno (défaut /usr/bin/python3, paquet python3-uno).",
        )
        parser.add_argument(
            "--conversion-timeout",
            type=int,
            default=settings.CONVERTER_TIMEOUT * 2,
            help="Filet de sécurité côté serveur, en secondes : au-delà, unoserver arrête son "
            "LibreOffice. Le client coupe plus tôt (CONVERTER_TIMEOUT).",
        )
        parser.add_argument(
            "--max-memory",
            type=int,
            default=768,
            help="Redémarre, entre deux conversions, un convertisseur dont la mémoire dépasse "
            "ce nombre de Mo (défaut 768 ; 0 : jamais).",
        )
        parser.add_argument(
            "--stop-after",
            type=int,
            default=0,
            help="Option --stop-after d'unoserver (0 : jamais) : la requête qui suit l'arrêt "
            "échoue et doit être réessayée ; --max-memory ne perd aucune requête.",
        )
        parser.add_argument(
            "--verbose-converters",
            action="store_true",
            help="Affiche la sortie des unoserver au lieu de l'écrire dans var/converters/<port>/.",
        )
        parser.add_argument(
            "--exit-with-parent",
            action="store_true",
            help="S'arrête si le processus parent disparaît (pool lancé par les tests).",
        )

    def handle(self, *args, **options):
        ports = options["ports"] or list(settings.CONVERTER_PORTS)
        if not ports:
            ports = [options["port"] + index for index in range(options["count"])]
            self.stderr.write(
                "CONVERTER_PORTS n'est pas défini : les autres processus n'utiliseront ce pool "
                f"que si CONVERTER_PORTS={','.join(map(str, ports))} est dans leur environnement."
            )
        supervisor = converter_supervisor(
            ports=ports,
            python=options["python"],
            conversion_timeout=options["conversion_timeout"] or None,
            stop_after=options["stop_after"] or None,
            max_memory=options["max_memory"] * 2**20 or None,
            verbose=options["verbose_converters"],
            exit_with_parent=options["exit_with_parent"],
            write=self._write,
        )
        try:
            supervisor.run()
        except PoolError as error:
            raise CommandError(str(error)) from error

    def _write(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()  # under honcho stdout is a pipe: show restarts as they happen
