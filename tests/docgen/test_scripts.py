"""Every script a client may type is printed: no character silently lost for want of a font.

The fonts come from the Debian packages of scripts/install-system-deps.sh (Noto for the
scripts Word's fonts and DejaVu lack: CJK, Korean; Symbola for the emoji).
"""

import re

import pytest

from docgen import convert_to_pdf, render_docx
from tests import docx_models
from tests.converter_pool import STATE_DIR

SCRIPTS = {
    "latin": "Élodie Ñúñez",
    "grec": "Ελληνικά",
    "cyrillique": "Кириллица",
    "arabe": "العربية",
    "hebreu": "עברית",
    "japonais": "日本語のテキスト",
    "chinois": "中文",
    "coreen": "한국어",
    "emoji": "🚚",
}

BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.libreoffice
def test_one_value_per_script_comes_out_in_the_pdf(converter_pool):
    # One paragraph per value, alone: right-to-left text would swap places with markers.
    model = docx_models.simple_model(*(f"{{{{ {name} }}}}" for name in SCRIPTS))

    docx = render_docx(template=model, context={}, values=SCRIPTS)
    pdf = convert_to_pdf(docx, ports=converter_pool, state_dir=STATE_DIR)

    # pdftotext gives Arabic and Hebrew in logical order (as typed), wrapped in bidi
    # embedding marks (U+202B ... U+202C): those are dropped before comparing.
    text = BIDI_MARKS.sub("", docx_models.pdf_text(pdf))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for name, value in SCRIPTS.items():
        assert value in lines, (name, value, lines)
