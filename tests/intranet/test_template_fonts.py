"""Fonts a broker's model uses that the server lacks: a warning at upload and on « Aperçu »,
never a refusal."""

from documents.models import DocumentTemplate
from tests.docgen.test_fonts import fonts_model
from tests.intranet.test_admin_documents import ADD_URL, preview_url, template_form, upload


def garamond_model() -> bytes:
    return fonts_model("Garamond", "Liberation Serif")


def test_upload_warns_of_a_missing_font_and_keeps_the_model(as_superuser):
    response = as_superuser.post(ADD_URL, template_form(upload(garamond_model())), follow=True)

    assert response.status_code == 200
    assert DocumentTemplate.objects.count() == 1
    page = response.content.decode()
    assert "Police « Garamond » absente du serveur : remplacée par « " in page
    assert "Liberation Serif » absente" not in page


def test_preview_warns_of_a_missing_font(as_superuser):
    as_superuser.post(ADD_URL, template_form(upload(garamond_model())))
    template = DocumentTemplate.objects.get()

    page = as_superuser.get(preview_url(template)).content.decode()

    assert "Police « Garamond » absente du serveur" in page
