"""The deployment files cannot drift from what is tested: docker-compose.yml, the Procfiles and
the Dockerfile start roles that scripts/role.sh defines; every file they mount, copy or include
exists; nginx accepts deploy/nginx.conf (upstream and certificate templated in a test copy) and
the configuration `make prod-smoke` builds from the same site file; the CSP lets the
templates' inline scripts run."""

import base64
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DEPLOY = BASE_DIR / "deploy"
sys.path.insert(0, str(BASE_DIR / "scripts"))

from prod_smoke_env import nginx_command, nginx_config  # noqa: E402

from tests.helpers import missing  # noqa: E402


def roles() -> set[str]:
    """The roles of scripts/role.sh: the patterns of its `case`, `*` excepted."""
    text = (BASE_DIR / "scripts" / "role.sh").read_text()
    case = text.split('case "${1:-}" in', 1)[1].split("esac", 1)[0]
    return set(re.findall(r"^  ([a-z-]+)\)", case, re.M))


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def app_services() -> dict:
    """Services built from this repository (the modulr image)."""
    return {name: s for name, s in compose()["services"].items() if "build" in s}


def role_of(command) -> str:
    if isinstance(command, str):
        command = command.split()
    assert len(command) == 2 and command[0] == "scripts/role.sh", command
    return command[1]


def test_role_sh_defines_the_production_roles():
    assert {"web", "worker", "converters", "recover", "worker-host", "web-host",
            "release"} <= roles()  # fmt: skip


def test_every_compose_app_service_starts_an_existing_role():
    services = app_services()
    assert {"web", "worker", "recover", "release"} <= set(services)
    used = {name: role_of(service.get("command")) for name, service in services.items()}
    assert set(used.values()) <= roles(), used
    assert used["web"] == "web-host" and used["worker"] == "worker-host"


def test_dockerfile_starts_an_existing_role_and_copies_existing_files():
    text = (BASE_DIR / "Dockerfile").read_text()
    cmd = re.search(r'^CMD \["scripts/role.sh", "([a-z-]+)"\]', text, re.M)
    assert cmd and cmd.group(1) in roles()
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert (BASE_DIR / source).exists(), source


def procfiles() -> list[Path]:
    return [BASE_DIR / "Procfile", *DEPLOY.glob("*.Procfile")]


def test_every_procfile_line_starts_an_existing_role():
    for procfile in procfiles():
        for line in procfile.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                _name, command = line.split(":", 1)
                assert role_of(command.split()) in roles(), (procfile.name, line)


def test_the_host_roles_procfiles_exist():
    text = (BASE_DIR / "scripts" / "role.sh").read_text()
    hosts = re.findall(r"^\s+host .* ([a-z-]+) ;;", text, re.M)
    assert set(hosts) == {"worker-host", "web-host"}
    for name in hosts:
        assert (DEPLOY / f"{name}.Procfile").is_file()


def nginx_mounts() -> dict[str, Path]:
    """Container path → repository file, for the files compose mounts into nginx."""
    mounts = {}
    for volume in compose()["services"]["nginx"]["volumes"]:
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            mounts[target] = BASE_DIR / source
    return mounts


def test_every_mounted_file_and_every_nginx_include_exists():
    for service in compose()["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (BASE_DIR / source).exists(), source
    mounts = nginx_mounts()
    assert mounts["/etc/nginx/nginx.conf"] == DEPLOY / "nginx.conf"
    for conf in ("nginx.conf", "nginx-site.conf"):
        for include in re.findall(r"^\s*include (\S+);", (DEPLOY / conf).read_text(), re.M):
            if include != "/etc/nginx/mime.types":  # the image's own
                assert include in mounts and mounts[include].is_file(), (conf, include)
    assert (BASE_DIR / "scripts" / "healthcheck.py").is_file()
    assert compose()["services"]["web"]["healthcheck"]["test"][-1] == "scripts/healthcheck.py"


def test_nginx_paths_match_the_app_containers():
    services = compose()["services"]
    site = (DEPLOY / "nginx-site.conf").read_text()
    private = (DEPLOY / "nginx-private.conf").read_text()
    static = re.search(r"^\s*alias (\S+);", site, re.M).group(1).rstrip("/")
    private_root = re.search(r"^\s*alias (\S+);", private, re.M).group(1).rstrip("/")
    assert f"static:{static}:ro" in services["nginx"]["volumes"]
    assert f"static:{static}" in services["release"]["volumes"]  # STATIC_ROOT = VAR_DIR/static
    assert static == "/app/var/static"
    # One volume: at the alias for nginx, at PRIVATE_ROOT for the app.
    assert f"private:{private_root}:ro" in services["nginx"]["volumes"]
    for name in ("web", "worker"):
        app_root = services[name]["environment"]["PRIVATE_ROOT"]
        assert f"private:{app_root}" in services[name]["volumes"]


def nginx_binary() -> str:
    # /usr/sbin may be off a non-root user's PATH.
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if not found:
        missing("nginx n'est pas installé (scripts/install-system-deps.sh --nginx)")
    return found


def nginx_t(conf: Path) -> None:
    nginx_binary()
    command = nginx_command(conf, test=True)
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_nginx_accepts_the_production_configuration(tmp_path):
    """A test copy: the upstream `web` (a compose service name) and the certificate are
    replaced; the included site files are the repository's own."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-subj", "/CN=modulr.test", "-days", "1", "-keyout",
         str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    mounted = {t: s for t, s in nginx_mounts().items() if t.startswith("/etc/nginx/modulr/")}

    def test_copy(source: Path) -> str:
        text = source.read_text().replace("/etc/nginx/tls/", f"{tmp_path}/")
        for target in mounted:
            text = text.replace(target, str(tmp_path / Path(target).name))
        return text

    for target, source in mounted.items():
        (tmp_path / Path(target).name).write_text(test_copy(source))
    text = test_copy(DEPLOY / "nginx.conf")
    assert text.count("server web:8000;") == 1
    conf = tmp_path / "nginx.conf"
    conf.write_text(text.replace("server web:8000;", "server 127.0.0.1:8000;"))
    nginx_t(conf)


def test_nginx_accepts_the_prod_smoke_configuration(tmp_path):
    conf = nginx_config(
        tmp_path / "nginx", port=8080, upstream="127.0.0.1:8000",
        static_root=tmp_path / "static", private_root=tmp_path / "private",
    )  # fmt: skip
    nginx_t(conf)


def csp() -> str:
    site = (DEPLOY / "nginx-site.conf").read_text()
    return re.search(r'Content-Security-Policy "([^"]+)"', site).group(1)


def test_the_csp_lets_every_inline_script_of_the_templates_run_and_no_other():
    hashes = set()
    for template in BASE_DIR.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        for body in re.findall(r"<script>(.*?)</script>", template.read_text(), re.S):
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            hashes.add(f"'sha256-{digest}'")
    script_src = re.search(r"script-src ([^;]+)", csp()).group(1).split()
    assert set(script_src) == {"'self'", *hashes}
    assert "'unsafe-eval'" not in csp() and "frame-ancestors 'none'" in csp()
