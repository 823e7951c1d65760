"""The production image: nothing private in its context, and its processes not root."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    entries = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for kept_out in [".env", "var", ".venv", ".git", "test-artifacts", ".pytest_cache"]:
        assert kept_out in entries, kept_out
    assert {"__pycache__", "**/__pycache__"} & entries


def test_the_image_runs_as_an_unprivileged_user_who_may_write_var_only():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.M)
    assert users, "no USER line: the processes would run as root"
    assert users[-1] not in {"root", "0", "0:0"}
    assert users[-1] == "modulr"
    assert re.search(r"useradd\b.*\bmodulr\b", dockerfile)
    chowned = re.findall(r"chown\s+(?:-R\s+)?\S+\s+([^\n&\\]+)", dockerfile)
    assert chowned == ["var /srv/modulr/private"], chowned
    # USER comes after every build step that needs root, right before the command.
    last_run = max(m.start() for m in re.finditer(r"^RUN ", dockerfile, flags=re.M))
    assert dockerfile.rindex("USER modulr") > last_run
