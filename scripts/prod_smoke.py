"""`make prod-smoke`: the production roles, started on this machine from their definitions
(scripts/role.sh, deploy/nginx-site.conf), used by a client through nginx, then stopped.

web-host, worker-host and recover run as three hosts (a VAR_DIR and converter ports each), on
the machine's PostgreSQL (database `modulr_smoke`, recreated) and Redis (database 9, flushed),
with a moto S3 server as the object storage (PROD_SMOKE_STORAGE=disk: the local disk instead,
files sent by nginx with SENDFILE=nginx). A demo client logs in, requests a vehicle
attestation, follows it and downloads the PDF (a signed redirect to the S3 server); /healthz
answers; everything is stopped and no process may be left. Exit code 1 on any failure, with
the log of the role at fault.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xmlrpc.client
from pathlib import Path

from prod_smoke_client import Browser
from prod_smoke_env import (
    BASE_DIR,
    Processes,
    SmokeError,
    free_converter_ports,
    free_port,
    kill,
    leftovers,
    nginx_command,
    nginx_config,
)  # fmt: skip

POSTGRES_URL = os.environ.get("PROD_SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("PROD_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/9")
DB_NAME = "modulr_smoke"
BUCKET, REGION = "modulr-smoke", "eu-west-3"
EMAIL, PASSWORD = "contact@transports-dupont.fr", "demo-modulr-2026"
CONTRACT, PLATE = "FL-24-0001", "GE-481-KT"
START_TIMEOUT, READY_TIMEOUT = 120, 90
ON_DISK = os.environ.get("PROD_SMOKE_STORAGE", "s3") == "disk"
PY = str(BASE_DIR / ".venv" / "bin" / "python") if (BASE_DIR / ".venv").exists() else "python3"


def step(message: str) -> None:
    print(f"• {message}", flush=True)


def wait_for(check, what: str, processes: Processes, role: str, timeout=START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        processes.check_alive()
        if time.monotonic() > deadline:
            raise SmokeError(f"{what} : pas prêt en {timeout} s", role)
        time.sleep(0.25)


def http_ok(url: str, host: str = "127.0.0.1") -> bool:
    try:
        request = urllib.request.Request(url, headers={"Host": host})
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return True  # it answers
    except OSError:
        return False


class _Timeout(xmlrpc.client.Transport):
    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = 3
        return connection


def converter_answers(port: int) -> bool:
    try:
        proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}", transport=_Timeout())
        return proxy.info()["api"] == "3"
    except (OSError, xmlrpc.client.Error):
        return False


def prepare_services(env: dict) -> None:
    import psycopg
    import redis

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    step(f"PostgreSQL : base {DB_NAME} recréée ; Redis : base {REDIS_URL[-1]} vidée")


def start_s3(processes: Processes, env: dict) -> str:
    import boto3

    port = free_port()
    processes.start("s3", [PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env)
    endpoint = f"http://127.0.0.1:{port}"
    wait_for(lambda: http_ok(f"{endpoint}/moto-api/"), "Le serveur S3", processes, "s3")
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="smoke",
        aws_secret_access_key="smoke-secret",
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    step(f"Stockage objet : serveur S3 (moto) sur le port {port}, seau « {BUCKET} » créé")
    return endpoint


def run(name: str, command: list[str], env: dict, processes: Processes) -> None:
    """A one-shot command, its output in its role's log."""
    with open(processes.logs / f"{name}.log", "ab") as log:
        result = subprocess.run(
            command, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, timeout=600,
        )  # fmt: skip
    if result.returncode:
        raise SmokeError(f"{' '.join(command[1:])} : code {result.returncode}", name)


def demo_ids() -> tuple[int, int]:
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/{DB_NAME}") as db:
        row = db.execute(
            "SELECT c.id, b.id FROM contracts_contract c JOIN contracts_beneficiary b "
            "ON b.contract_id = c.id WHERE c.numero = %s AND b.immatriculation = %s",
            (CONTRACT, PLATE),
        ).fetchone()
    if row is None:
        raise SmokeError(f"contrat {CONTRACT} ou véhicule {PLATE} absent des données de démo")
    return row


def smoke(tmp: Path, processes: Processes) -> None:
    nginx_port, web_port = free_port(), free_port()
    web_converters = free_converter_ports(1)
    worker_converters = free_converter_ports(1, taken=tuple(web_converters))
    base = f"http://127.0.0.1:{nginx_port}"
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base,
        # Plain HTTP on the loopback: no redirect to HTTPS, cookies not kept for HTTPS only.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "TRUSTED_PROXIES": "127.0.0.1",
        "DATABASE_URL": f"{POSTGRES_URL}/{DB_NAME}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": "smoke",
        "AWS_SECRET_ACCESS_KEY": "smoke-secret",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "PRIVATE_ROOT": str(tmp / "private"),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "2",
        "RECOVER_EVERY": "30",
        "TMPDIR": str(tmp),  # render zygotes' sockets: found again by the final scan
    }
    prepare_services(env)
    if ON_DISK:
        env = {k: v for k, v in env.items() if not k.startswith("AWS_")} | {"SENDFILE": "nginx"}
        step(f"Fichiers privés sur disque ({tmp / 'private'}), envoyés par nginx")
    else:
        env["AWS_S3_ENDPOINT_URL"] = start_s3(processes, env)
    web = {**env, "VAR_DIR": str(tmp / "web-host"), "PORT": str(web_port),
           "CONVERTER_PORTS": ",".join(map(str, web_converters))}  # fmt: skip
    worker = {**env, "VAR_DIR": str(tmp / "worker-host"),
              "CONVERTER_PORTS": ",".join(map(str, worker_converters))}  # fmt: skip
    run("release", ["scripts/role.sh", "release"], web, processes)
    step("Rôle release : migrate et collectstatic (fichiers statiques du web-host)")
    for command in ("seed_demo", "seed_demo_documents"):
        run("release", [PY, "manage.py", command, "--force"], web, processes)
    step("Données de démonstration : seed_demo --force, seed_demo_documents --force")

    processes.start("web-host", ["scripts/role.sh", "web-host"], web)
    processes.start("worker-host", ["scripts/role.sh", "worker-host"], worker)
    processes.start("recover", ["scripts/role.sh", "recover"],
                    {**env, "VAR_DIR": str(tmp / "recover")})  # fmt: skip
    conf = nginx_config(
        tmp / "nginx", port=nginx_port, upstream=f"127.0.0.1:{web_port}",
        static_root=tmp / "web-host" / "static", private_root=tmp / "private",
    )  # fmt: skip
    processes.start("nginx", nginx_command(conf), env)
    wait_for(lambda: http_ok(f"http://127.0.0.1:{web_port}/extranet/connexion/"),
             "gunicorn", processes, "web-host")  # fmt: skip
    for role, ports in (("web-host", web_converters), ("worker-host", worker_converters)):
        wait_for(lambda p=ports: all(map(converter_answers, p)), f"Convertisseurs de {role}",
                 processes, role)  # fmt: skip
    wait_for(lambda: " ready." in processes.log("worker-host"), "Worker Celery", processes,
             "worker-host")  # fmt: skip
    wait_for(lambda: http_ok(f"{base}/extranet/connexion/"), "nginx", processes, "nginx")
    step(
        f"Rôles démarrés : nginx :{nginx_port} → web-host (gunicorn :{web_port}, convertisseur "
        f":{web_converters[0]}), worker-host (Celery, convertisseur :{worker_converters[0]}), "
        "recover"
    )

    browser = Browser(base)
    browser.login(EMAIL, PASSWORD)
    step(f"Connexion de {EMAIL} via nginx (jeton CSRF, cookie de session)")
    contract, vehicle = demo_ids()
    motif = f"Salon Solutrans {secrets.token_hex(3)}"
    started = time.monotonic()
    status_path = browser.request_attestation(contract, vehicle, motif)
    step(f"Demande envoyée pour le véhicule {PLATE} (motif « {motif} ») : {status_path}")
    link, polls = browser.wait_ready(status_path, READY_TIMEOUT)
    step(f"Statut suivi via nginx : prête en {time.monotonic() - started:.1f} s "
         f"({polls} interrogations)")  # fmt: skip
    pdf, redirects, disposition = browser.download(link)
    if ON_DISK and redirects:
        raise SmokeError(f"redirection inattendue : {redirects}", "web-host")
    if not ON_DISK and not (redirects and redirects[0].startswith(env["AWS_S3_ENDPOINT_URL"])):
        raise SmokeError(f"pas de redirection signée vers le stockage S3 : {redirects}", "web-host")
    if not pdf.startswith(b"%PDF") or "attachment" not in disposition:
        raise SmokeError(f"téléchargement inattendu ({disposition!r}, {pdf[:20]!r})", "s3")
    (tmp / "attestation.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp / "attestation.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    flat = " ".join(text.split())
    missing = [needle for needle in (PLATE, motif) if needle not in flat]
    if missing:
        raise SmokeError(f"absent du PDF : {missing}\n{text[:1500]}", "worker-host")
    way = "(X-Accel-Redirect : fichier envoyé par nginx)" if ON_DISK else "puis le S3 (URL signée)"
    step(f"PDF téléchargé via nginx {way}, {len(pdf)} octets : "
         f"pdftotext y trouve {PLATE} et le motif")  # fmt: skip
    check_verification(base, flat, pdf)
    check_headers(browser)
    check_health(base)
    processes.check_alive()


def check_verification(base: str, text: str, pdf: bytes) -> None:
    """What a third party does with the paper: the code printed on it, on the public page,
    without an account; then the file itself, checked byte for byte."""
    found = re.search(r"Code de vérification : ((?:[A-Z2-9]{4}-){3}[A-Z2-9]{4})", text)
    if not found:
        raise SmokeError(f"pas de code de vérification dans le PDF\n{text[:1500]}", "worker-host")
    anonymous = Browser(base)
    path = f"/verifier/{found[1].replace('-', '')}/"
    _url, headers, page = anonymous.get(path)
    page_text = html.unescape(page.decode())
    if "Attestation authentique" not in page_text or "Valide" not in page_text:
        raise SmokeError(f"page de vérification inattendue :\n{page_text[:1500]}", "web-host")
    if headers.get("Referrer-Policy") != "same-origin" or "noindex" not in (
        headers.get("X-Robots-Tag") or ""
    ):
        raise SmokeError(f"en-têtes de la page de vérification : {dict(headers)}", "nginx")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_text)
    verdict = anonymous.upload(path, token[1] if token else "", "attestation.pdf", pdf)
    if "identique, octet pour octet" not in html.unescape(verdict.decode()):
        raise SmokeError("le fichier téléchargé n'est pas reconnu par la page", "web-host")
    step(f"Page de vérification via nginx, sans compte ({path}) : authentique et valide ; "
         "le PDF déposé est reconnu octet pour octet")  # fmt: skip


def check_headers(browser: Browser) -> None:
    _url, headers, body = browser.get("/static/extranet/htmx.min.js")
    _url, page_headers, _page = browser.get("/extranet/")
    for where, found in (("statique", headers), ("page", page_headers)):
        for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                     "Referrer-Policy"):  # fmt: skip
            if len(found.get_all(name) or []) != 1:
                raise SmokeError(f"{where} : en-tête {name} {found.get_all(name)}", "nginx")
    step(f"Fichier statique servi par nginx ({len(body)} octets) ; en-têtes de sécurité "
         "présents une fois, sur le statique comme sur les pages")  # fmt: skip


def check_health(base: str) -> None:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=15) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        report = json.loads(body)
    except ValueError:
        report = None
    if status != 200 or report is None:
        raise SmokeError(f"/healthz : HTTP {status} {body[:300]!r}", "web-host")
    step(f"/healthz via nginx : 200 {json.dumps(report, ensure_ascii=False)}")


def print_logs(processes: Processes, role: str | None) -> None:
    names = [role] if role else list(processes.started)
    for name in names:
        lines = processes.log(name).splitlines()[-(150 if role else 40) :]
        print(f"\n----- journal du rôle {name} (fin) -----", file=sys.stderr)
        print("\n".join(lines), file=sys.stderr)


def main() -> int:
    began = time.monotonic()
    status = 0
    with tempfile.TemporaryDirectory(prefix="modulr-prod-smoke-") as name:
        tmp = Path(name)
        processes = Processes(tmp / "logs")
        print(f"== Smoke de production (dossier {tmp}) ==", flush=True)
        try:
            smoke(tmp, processes)
        except Exception as error:  # any failure: reported with its role's log
            kind = "" if isinstance(error, SmokeError) else f"{type(error).__name__} : "
            print(f"ÉCHEC : {kind}{error}", file=sys.stderr, flush=True)
            print_logs(processes, getattr(error, "role", None))
            status = 1
        finally:
            processes.stop_all()
            groups = [process.pid for process in processes.started.values()]
            left = leftovers(groups, str(tmp))
        if left:
            kill([pid for pid, _cmd in left])
            print("ÉCHEC : processus restants après l'arrêt :\n" + "\n".join(
                f"  {pid} {cmd}" for pid, cmd in left), file=sys.stderr)  # fmt: skip
            status = 1
        else:
            step(f"Tous les rôles arrêtés ({len(groups)} groupes) : aucun processus restant")
    verdict = "réussi" if status == 0 else "ÉCHOUÉ"
    print(f"== Smoke de production {verdict} en {time.monotonic() - began:.0f} s ==", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
