"""« Aperçu »: the document a client would get from a model, marked as a preview and stored
nowhere (the staff's check of a model against a real contract)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.text import slugify

from .engine import render_docx
from .models import DocumentTemplate
from .services import (
    PREVIEW_MARK,
    PREVIEW_NUMERO,
    field_initial,
    field_values_printed,
    pdf_convert,
    template_bytes,
    verification_tags,
)
from .tags import tag_context
from .verification import attestation_validity


def _preview_values(template: DocumentTemplate, values: dict[str, str] | None) -> dict:
    """What the client would start from: each field's initial value, else its label."""
    shown = {}
    for template_field in template.fields.all():
        shown[template_field.name] = field_initial(field=template_field) or (
            f"[{template_field.label}]"
        )
    shown.update(values or {})
    return shown


def _mark_preview(docx: bytes) -> bytes:
    """A red « APERÇU – document sans valeur » line at the top of every page's header."""
    from docx import Document as WordDocument
    from docx.shared import RGBColor

    document = WordDocument(io.BytesIO(docx))
    marked: set[int] = set()
    even = document.settings.odd_and_even_pages_header_footer
    for section in document.sections:
        headers = [section.header]
        if section.different_first_page_header_footer:
            headers.append(section.first_page_header)
        if even:
            headers.append(section.even_page_header)
        for header in headers:
            element = header._element  # resolves a linked header to the one it uses
            if id(element) in marked:
                continue
            marked.add(id(element))
            paragraph = header.add_paragraph()
            run = paragraph.add_run(PREVIEW_MARK)
            run.bold = True
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
            element.remove(paragraph._p)
            element.insert(0, paragraph._p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def template_preview(
    *,
    template: DocumentTemplate,
    contract,
    beneficiary=None,
    values: dict[str, str] | None = None,
) -> tuple[bytes, str]:
    """The document a client would get, marked as a preview and stored nowhere.

    Returns (bytes, filename): a PDF when the model converts, else the Word file. The
    number reads « APERÇU » and every page carries « APERÇU – document sans valeur ».
    """
    values = _preview_values(template, values)
    today = timezone.localdate()
    valid_from, valid_until = attestation_validity(
        template=template, contract=contract, beneficiary=beneficiary, values=values, today=today
    )
    tags, images = verification_tags(
        template=template, code="", valid_from=valid_from, valid_until=valid_until
    )
    context = tag_context(
        contract=contract, beneficiary=beneficiary, numero=PREVIEW_NUMERO, attestation=tags
    )
    docx = render_docx(
        template=template_bytes(template),
        context=context,
        values=field_values_printed(template=template, values=values),
        images=images,
    )
    docx = _mark_preview(docx)
    base = f"apercu-{slugify(template.name)[:60] or 'modele'}"
    if template.pdf_conversion:
        return pdf_convert(docx), f"{base}.pdf"
    return docx, f"{base}.docx"
