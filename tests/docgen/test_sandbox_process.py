"""What the render sandbox's process holds: no secret from the web process, no way out.

The zygote (and so every child it forks) is started with a minimal environment and no
inherited file descriptor; docgen is called directly, no database.
"""

import os
import socket
from pathlib import Path

import pytest

from docgen import TemplateInvalid, render_docx
from docgen import render as rendering
from tests import docx_models

SECRETS = {
    "SECRET_KEY": "django-insecure-secret",
    "DATABASE_URL": "postgres://modulr:motdepasse@db/modulr",
    "CELERY_BROKER_URL": "redis://:motdepasse@redis:6379/0",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "AWS_ACCESS_KEY_ID": "aws-id",
    "EMAIL_HOST_PASSWORD": "smtp-secret",
}


def zygote_environ() -> dict[str, str]:
    raw = Path(f"/proc/{rendering._zygote.proc.pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)


@pytest.fixture
def fresh_zygote(monkeypatch):
    """A zygote started now, by a parent whose environment holds the app's secrets."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    rendering._zygote.restart()
    yield rendering._zygote
    monkeypatch.undo()
    rendering._zygote.restart()


def test_the_sandbox_process_holds_none_of_the_parent_s_secrets(fresh_zygote):
    environ = zygote_environ()

    assert not set(SECRETS) & set(environ)
    assert not any(value in "\0".join(environ.values()) for value in SECRETS.values())
    # Nothing beyond what Python needs to run.
    assert set(environ) <= {"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "HOME"}
    # And it still renders.
    docx = render_docx(
        template=docx_models.simple_model("N° {{ numero }}"), context={"numero": "7"}, values={}
    )
    assert "N° 7" in docx_models.docx_text(docx)


def test_no_file_descriptor_of_the_parent_survives_in_the_sandbox(monkeypatch):
    # A connection the web process holds (to the database, say), even one left inheritable.
    listener = socket.create_server(("127.0.0.1", 0))
    connection = socket.create_connection(listener.getsockname())
    connection.set_inheritable(True)
    try:
        rendering._zygote.restart()
        fds = Path(f"/proc/{rendering._zygote.proc.pid}/fd")
        targets = {os.readlink(fd) for fd in fds.iterdir() if fd.exists()}
        inode = os.fstat(connection.fileno()).st_ino
        assert f"socket:[{inode}]" not in targets
    finally:
        connection.close()
        listener.close()


@pytest.mark.parametrize(
    "expression",
    [
        "range.__globals__",
        "range.__init__.__globals__",
        "range|attr('__globals__')",
        "range['__globals__']",
        "self.__init__.__globals__",
        "namespace",
        "lipsum.__globals__",
        "cycler.__init__.__globals__.os.environ",
    ],
)
def test_a_model_cannot_reach_the_environment(expression, fresh_zygote):
    model = docx_models.simple_model("Env : [{{ " + expression + " }}]")
    try:
        docx = render_docx(template=model, context={}, values={})
    except TemplateInvalid:
        return
    text = docx_models.docx_text(docx)
    assert text in ("Env : []",), text
    for value in SECRETS.values():
        assert value not in text
