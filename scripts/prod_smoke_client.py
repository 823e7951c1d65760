"""`make prod-smoke`'s client: a browser without JavaScript, through nginx only (log in with
CSRF, « Envoyer la demande », poll the status part as htmx does, download the PDF)."""

from __future__ import annotations

import datetime
import html
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from prod_smoke_env import SmokeError

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOWNLOAD = re.compile(r'href="(/extranet/documents/\d+/telecharger/)"')
STATUS = re.compile(r"request-status--(\w+)")


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects like a browser, and remembers where they went."""

    def __init__(self):
        self.seen: list[str] = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.seen.append(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.redirects = _Redirects()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), self.redirects
        )

    def get(self, path: str, *, headers: dict | None = None, data: dict | None = None):
        """(final URL, headers, body); a POST carries the Origin a browser sends."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {**(headers or {}), **({"Origin": self.base} if data is not None else {})}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        self.redirects.seen.clear()
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.geturl(), response.headers, response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:300]
            raise SmokeError(f"HTTP {error.code} sur {path} : {detail}", "web-host") from error
        except OSError as error:
            raise SmokeError(f"{path} : {error}", "nginx") from error

    def login(self, email: str, password: str) -> None:
        _url, _headers, page = self.get("/extranet/connexion/")
        token = CSRF.search(page.decode())
        if not token:
            raise SmokeError("pas de jeton CSRF sur la page de connexion", "web-host")
        url, _headers, _page = self.get(
            "/extranet/connexion/",
            data={"csrfmiddlewaretoken": token.group(1), "username": email,
                  "password": password, "next": ""},
        )  # fmt: skip
        if "/connexion/" in url:
            raise SmokeError(f"connexion refusée pour {email}", "web-host")

    def request_attestation(self, contract: int, vehicle: int, motif: str) -> str:
        """« Envoyer la demande » for the vehicle model; the status page's path."""
        form_path = f"/extranet/contrats/{contract}/attestation/"
        _url, _headers, form = self.get(f"{form_path}?beneficiaire={vehicle}")
        form = form.decode()
        if 'name="champ_motif"' not in form:
            raise SmokeError("le formulaire ne propose pas le modèle « événement »", "web-host")
        today = datetime.date.today()
        url, _headers, page = self.get(
            form_path,
            data={
                "csrfmiddlewaretoken": CSRF.search(form).group(1),
                "beneficiaire": str(vehicle),
                "champ_motif": motif,
                "champ_date_debut": f"{today:%d/%m/%Y}",
                "champ_date_fin": f"{today + datetime.timedelta(days=4):%d/%m/%Y}",
                "action": "send",
            },
        )
        if not re.search(r"/extranet/demandes/(\d+)/$", url):
            errors = re.findall(r'role="alert"[^>]*>(.*?)</', page.decode(), re.S)
            text = " ".join(html.unescape(e) for e in errors)[:300]
            raise SmokeError(f"demande refusée : {text}", "web-host")
        return urllib.parse.urlparse(url).path

    def wait_ready(self, status_path: str, timeout: float) -> tuple[str, int]:
        """Polls the status part (HX-Request) until the download link shows: (link, polls)."""
        started, polls = time.monotonic(), 0
        while True:
            _url, _headers, body = self.get(status_path, headers={"HX-Request": "true"})
            page = body.decode()
            if link := DOWNLOAD.search(page):
                return link.group(1), polls
            status = STATUS.search(page)
            if status and status.group(1) not in ("pending", "generating"):
                raise SmokeError(f"demande en statut « {status.group(1)} »", "worker-host")
            if time.monotonic() - started > timeout:
                raise SmokeError(f"attestation pas prête en {timeout:.0f} s", "worker-host")
            polls += 1
            time.sleep(0.5)

    def download(self, link: str) -> tuple[bytes, list[str], str]:
        """The file, the redirects followed, its Content-Disposition."""
        _url, headers, body = self.get(link)
        return body, list(self.redirects.seen), headers.get("Content-Disposition", "")

    def upload(self, path: str, token: str, filename: str, data: bytes) -> bytes:
        """The verification page's file check: a multipart POST, as a browser's form sends."""
        boundary = secrets.token_hex(16)
        fields = {"csrfmiddlewaretoken": token, "verifier_fichier": "1"}
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode()
            for name, value in fields.items()
        )  # fmt: skip
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="fichier"; '
                f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": self.base,
            "Referer": self.base + path,
        }
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:300]
            raise SmokeError(f"HTTP {error.code} sur {path} : {detail}", "web-host") from error
