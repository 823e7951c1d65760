"""Malformed uploads and a tampered « Configurer le modèle » form: a form error (or a 404),
never a 500."""

import io
import os
import zipfile

import pytest

from documents.models import DocumentTemplate, TemplateField
from tests.intranet.test_admin_documents import (
    ADD_URL,
    add_template,
    configure_url,
    formset_data,
    template_form,
    upload,
)


@pytest.fixture
def client(client):
    """A 500 answers 500 here, as in production, instead of raising into the test."""
    client.raise_request_exception = False
    return client


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(os.urandom(4096), id="random-bytes"),
        pytest.param(b"PK\x03\x04" + os.urandom(200), id="truncated-zip"),
        pytest.param(_zip(**{"hello.txt": b"bonjour"}), id="zip-not-docx"),
        pytest.param(
            _zip(**{"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document"}),
            id="docx-with-broken-xml",
        ),
    ],
)
def test_a_malformed_upload_is_a_form_error(as_superuser, data):
    response = as_superuser.post(ADD_URL, template_form(upload(data)))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not DocumentTemplate.objects.exists()


@pytest.fixture
def template(as_superuser):
    return add_template(as_superuser)


@pytest.fixture
def other_template(as_superuser):
    return add_template(as_superuser, name="Autre modèle")


def post_configure(client, template, data):
    return client.post(configure_url(template), data)


def test_a_field_of_another_template_is_refused(as_superuser, template, other_template):
    data = formset_data(template)
    stranger = other_template.fields.first()
    data["form-0-id"] = str(stranger.pk)
    data["form-0-label"] = "Piraté"
    response = post_configure(as_superuser, template, data)
    assert response.status_code == 200
    assert response.context["formset"].errors
    assert "La configuration du modèle est enregistrée." not in response.content.decode()
    stranger.refresh_from_db()
    assert stranger.label != "Piraté"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"form-0-id": "abc"}, id="non-numeric-id"),
        pytest.param({"form-0-id": "999999"}, id="unknown-id"),
        pytest.param({"form-0-type": "executable"}, id="unknown-type"),
        pytest.param({"form-0-position": "premier"}, id="non-numeric-position"),
        pytest.param({"form-0-default_days_offset": "1e400"}, id="absurd-offset"),
        pytest.param({"form-TOTAL_FORMS": "abc"}, id="non-numeric-total"),
        pytest.param({"form-TOTAL_FORMS": "100000"}, id="huge-total"),
    ],
)
def test_a_tampered_configure_form_is_a_form_error(as_superuser, template, tamper):
    before = list(TemplateField.objects.order_by("pk").values())
    response = post_configure(as_superuser, template, {**formset_data(template), **tamper})
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.errors or formset.non_form_errors()
    assert list(TemplateField.objects.order_by("pk").values()) == before


def test_missing_management_form_is_a_form_error(as_superuser, template):
    data = {k: v for k, v in formset_data(template).items() if not k.startswith("form-T")}
    response = post_configure(as_superuser, template, data)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()


def test_an_empty_configure_post_is_a_form_error(as_superuser, template):
    response = post_configure(as_superuser, template, {})
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
