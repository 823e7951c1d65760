"""docgen stands alone: no Django, no project import, its messages through a translator hook."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.utils.translation import gettext

import docgen
from docgen import TemplateInvalid, template_check

BASE_DIR = Path(__file__).resolve().parents[2]
PROJECT = {"django", "documents", "contracts", "products", "tasks", "extranet", "intranet"}


def test_docgen_imports_neither_django_nor_the_project():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import docgen; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, str(BASE_DIR)], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "docgen" in loaded
    assert loaded.isdisjoint(PROJECT | {"modulr"}), loaded & (PROJECT | {"modulr"})


@pytest.fixture
def translator():
    yield docgen.set_translator
    docgen.set_translator(gettext)  # as documents/apps.py leaves it


def refusal() -> str:
    with pytest.raises(TemplateInvalid) as caught:
        template_check(data=b"", filename="modele.doc", sample_context={})
    return str(caught.value)


def test_messages_are_the_french_msgids_without_a_translator(translator):
    translator(None)

    assert refusal() == "Le modèle doit être un document Word au format .docx."


def test_messages_go_through_the_installed_translator(translator):
    translator(lambda message: f"<{message}>")

    assert refusal() == "<Le modèle doit être un document Word au format .docx.>"
