"""Nothing in a model can make LibreOffice fetch a file or an address.

Each trick (tests/docx_tricks.py) points at a local HTTP server that counts its hits. The
upload check refuses it; forced past the upload check (an old upload, a restored backup),
the render refuses the filled document; and LibreOffice itself, given the raw trick, fetches
nothing (its profile: docgen.profile).
"""

import http.server
import threading

import pytest

from docgen import ConversionError, TemplateInvalid, convert_to_pdf, render_docx, template_check
from docgen import convert as converting
from docgen.fetching import field_instructions
from documents.tags import sample_context
from tests import docx_models, docx_tricks
from tests.converter_pool import STATE_DIR

TRICKS = sorted(docx_tricks.TRICKS)


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.hits.append(self.path)
        body = docx_models._png()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET
    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """A local web server: its ``hits`` list every path anyone asked for."""
    handler = type("Handler", (_Counter,), {"hits": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.hits = handler.hits
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def check(data: bytes) -> list[str]:
    return template_check(data=data, filename="modele.docx", sample_context=sample_context())


@pytest.mark.parametrize("trick", TRICKS)
def test_each_trick_is_refused_at_upload(trick, server):
    with pytest.raises(TemplateInvalid) as caught:
        check(docx_tricks.TRICKS[trick](f"{server.url}/{trick}"))
    message = str(caught.value)
    assert any(
        words in message for words in ("ressource externe", "champ Word", "objet incorporé")
    ), message
    assert server.hits == []


@pytest.mark.parametrize("trick", TRICKS)
def test_each_trick_is_refused_when_rendered_too(trick, server):
    with pytest.raises(TemplateInvalid):
        render_docx(
            template=docx_tricks.TRICKS[trick](f"{server.url}/{trick}"),
            context=sample_context(),
            values={},
        )


def test_a_field_code_built_by_tags_is_refused_in_the_filled_document(server):
    # A model that slipped past the upload check: its tag renders to INCLUDEPICTURE.
    with pytest.raises(TemplateInvalid, match="INCLUDEPICTURE"):
        render_docx(
            template=docx_tricks.jinja_built_field(f"{server.url}/x"),
            context=sample_context(),
            values={},
        )


def test_each_field_is_read_on_its_own():
    from lxml import etree

    xml = docx_tricks.parts(docx_tricks.split_field("http://x/"))["word/document.xml"]
    instructions = [i.strip() for i in field_instructions(etree.fromstring(xml))]
    assert instructions == ["A", 'INCLUDETEXT "http://x/"']


def test_ordinary_fields_and_clickable_links_are_still_accepted():
    fields = (
        "<w:p>"
        + docx_tricks._complex_field("PAGE")
        + docx_tricks._complex_field('HYPERLINK "https://www.cabinet.fr/"')
        + '<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>'
    )
    assert check(docx_tricks._with_body(fields)) == []
    assert check(docx_models.hyperlink_model()) == []


def raw_tricks(url: str) -> dict[str, bytes]:
    models = {name: make(f"{url}/{name}") for name, make in docx_tricks.TRICKS.items()}
    models["image_link"] = docx_models.external_image_model(f"{url}/image_link")
    return models


@pytest.mark.parametrize("trick", TRICKS)
def test_the_converter_refuses_each_trick_before_libreoffice_reads_it(trick, server):
    with pytest.raises(ConversionError):
        convert_to_pdf(raw_tricks(server.url)[trick], state_dir=STATE_DIR, soffice="false")
    assert server.hits == []


@pytest.mark.libreoffice
@pytest.mark.parametrize("pool", [True, False], ids=["pool", "oneshot"])
def test_the_libreoffice_profile_alone_fetches_nothing(pool, converter_pool, server):
    """Past every check (LibreOffice given the raw tricks): its profile holds. Not for an
    embedded document's own links, beyond the profile on LibreOffice 7.4 (docgen.profile)."""
    models = raw_tricks(server.url)
    del models["embedded_document"]
    for name, model in models.items():
        if pool:
            target = converting._Pool(ports=converter_pool, host="127.0.0.1", state_dir=STATE_DIR)
            pdf = converting._convert_on_pool(model, pool=target, timeout=30, trace={})
        else:
            pdf = converting._convert_oneshot(
                model, timeout=30, soffice="soffice", state_dir=STATE_DIR
            )
        assert pdf.startswith(b"%PDF-"), name
    assert server.hits == []
