"""The model check at upload: what a broker's file must be, and the reasons it is refused.

docgen is called directly, with the tag dictionary's sample values; no database.
"""

import io
import os
import signal
import zipfile

import pytest

from docgen import RenderTimeout, TemplateInvalid, render_docx, template_check
from docgen import render as rendering
from documents.tags import sample_context
from tests import docx_models


def check(data: bytes, filename: str = "modele.docx", **limits) -> list[str]:
    return template_check(data=data, filename=filename, sample_context=sample_context(), **limits)


def refusal(data: bytes, filename: str = "modele.docx") -> str:
    with pytest.raises(TemplateInvalid) as caught:
        check(data, filename)
    return str(caught.value)


def test_a_real_attestation_model_gives_its_unknown_tags_sorted():
    assert check(docx_models.attestation_model()) == ["date_debut", "date_fin", "motif"]


def test_known_tags_only_and_a_tag_split_over_three_runs():
    assert check(docx_models.attestation_model(fields=False)) == []
    assert check(docx_models.split_runs_model()) == []


def test_unknown_tags_in_header_and_footer_are_fields_too():
    model = docx_models.simple_model(
        "Corps", header="{{ reference_dossier }}", footer="{{ mention_bas }}"
    )
    assert check(model) == ["mention_bas", "reference_dossier"]


def test_only_a_docx_file_name():
    assert "format .docx" in refusal(docx_models.attestation_model(), "modele.doc")
    assert "format .docx" in refusal(docx_models.attestation_model(), "modele.docm")


def test_a_renamed_file_that_is_not_a_word_document():
    assert "pas un vrai document Word" in refusal(b"%PDF-1.7\n" + b"x" * 500)
    assert "pas un vrai document Word" in refusal(b"\xd0\xcf\x11\xe0" + b"\x00" * 500)  # .doc


def test_a_docm_renamed_docx_is_refused_for_its_macros():
    assert "macros" in refusal(docx_models.docm_renamed())


def test_an_excel_file_renamed_docx_is_refused():
    def to_excel(name, data):
        if name == "[Content_Types].xml":
            return data.replace(
                b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml"
            )
        return data if name else None

    message = refusal(docx_models._rewrite(docx_models.simple_model("x"), to_excel))
    assert "pas un document Word" in message


def test_an_external_image_link_is_refused_with_its_address():
    message = refusal(docx_models.external_image_model("http://169.254.169.254/latest/"))
    assert "ressource externe" in message
    assert "http://169.254.169.254/latest/" in message


def test_a_remote_attached_template_is_refused():
    assert "file://serveur/partage/Normal.dotm" in refusal(docx_models.remote_template_model())


def test_plain_hyperlinks_are_accepted():
    # Word links every e-mail and web address typed in a footer; LibreOffice never fetches them.
    assert check(docx_models.hyperlink_model()) == []


def test_a_field_that_fetches_a_picture_is_refused():
    def add_field(name, data):
        if name == "word/document.xml":
            field = (
                b'<w:p><w:fldSimple w:instr=\' INCLUDEPICTURE "http://intranet.local/logo.png" '
                b"\\d '><w:r><w:t>logo</w:t></w:r></w:fldSimple></w:p>"
            )
            return data.replace(b"<w:sectPr", field + b"<w:sectPr", 1)
        return data if name else None

    model = docx_models._rewrite(docx_models.simple_model("x"), add_field)
    assert "INCLUDEPICTURE" in refusal(model)


def test_a_zip_bomb_is_refused_before_anything_reads_it():
    out = io.BytesIO()
    model = io.BytesIO(docx_models.simple_model("x"))
    with (
        zipfile.ZipFile(model) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("word/media/bomb.bin", b"\0" * (200 * 1024 * 1024))
    assert "volumineux" in refusal(out.getvalue())


def test_a_syntax_error_is_refused_with_the_paragraph():
    message = refusal(docx_models.syntax_error_model())
    assert message.startswith("Erreur dans une balise du modèle dans le corps du document")
    assert "Contrat n° {{ contrat.numero }" in message


def test_an_unclosed_loop_is_refused():
    assert "n'est pas fermée" in refusal(docx_models.unclosed_loop_model())


def test_an_unknown_filter_is_refused_by_name():
    assert "le filtre « majuscules » n'existe pas" in refusal(docx_models.unknown_filter_model())


def test_filters_that_would_bypass_escaping_do_not_exist():
    assert "le filtre « safe » n'existe pas" in refusal(
        docx_models.simple_model("{{ motif|safe }}")
    )
    assert "autoescape" in refusal(
        docx_models.simple_model("{% autoescape false %}{{ motif }}{% endautoescape %}")
    )


def test_a_syntax_error_in_the_footer_says_so():
    model = docx_models.simple_model("Corps", footer="Page {{ attestation.numero ")
    assert "dans un pied de page" in refusal(model)


def test_a_typo_in_a_known_tag_is_refused():
    message = refusal(docx_models.simple_model("N° {{ contrat.numro }}"))
    assert "« contrat.numro » n'existe pas" in message


def test_a_loop_over_something_that_is_not_a_list_is_refused():
    model = docx_models.simple_model("{% for c in contrat.numero %}{{ c }}{% endfor %}")
    assert "boucle {% for %} sur « contrat.numero »" in refusal(model)


def test_a_field_used_as_if_it_had_parts_is_refused():
    message = refusal(docx_models.simple_model("{{ vehicule.marque }}"))
    assert "« vehicule » n'est pas une étiquette connue" in message


def test_an_unknown_tag_that_cannot_be_a_form_field_is_refused():
    assert "« numéro_police » ne peut pas devenir une zone de saisie" in refusal(
        docx_models.simple_model("{{ numéro_police }}")
    )


def test_include_is_refused():
    assert "include" in refusal(docx_models.simple_model("{% include 'autre.docx' %}"))


def test_the_injection_model_is_refused_at_upload_and_runs_nothing(tmp_path):
    witness = tmp_path / "pwned"
    message = refusal(docx_models.injection_model(f"touch {witness}"))
    assert "instruction interdite" in message
    assert "__init__" in message or "__globals__" in message
    assert not witness.exists()


def test_the_injection_model_cannot_run_at_render_time_either(tmp_path):
    # As if it had reached storage some other way (an old upload, a restored backup).
    witness = tmp_path / "pwned"
    for payload in (
        docx_models.injection_model(f"touch {witness}"),
        docx_models.simple_model(
            "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        ),
        docx_models.simple_model("{{ client.nom.__class__ }}"),
        docx_models.simple_model('{{ "{0.__class__.__mro__}".format(client.nom) }}'),
        docx_models.simple_model("{{ client|attr('__class__') }}"),
        docx_models.simple_model("{{ contrat.garanties|map(attribute='__class__')|list }}"),
    ):
        with pytest.raises(TemplateInvalid, match="instruction interdite"):
            render_docx(template=payload, context=sample_context(), values={})
    assert not witness.exists()


def test_a_runaway_loop_is_stopped_at_the_time_limit():
    model = docx_models.simple_model(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    with pytest.raises(RenderTimeout, match="2 secondes"):
        render_docx(template=model, context={}, values={}, timeout=2)
    # The check at upload has the same bound, and refuses the model for it.
    with pytest.raises(RenderTimeout):
        check(model, timeout=2)


def test_a_memory_bomb_is_stopped_by_the_memory_cap():
    model = docx_models.simple_model("{{ 'A' * 3000000000 }}")
    with pytest.raises(TemplateInvalid, match="mémoire"):
        render_docx(template=model, context={}, values={}, memory_mb=400)
    with pytest.raises(TemplateInvalid, match="mémoire"):
        check(model, memory_mb=400)


def test_rendering_goes_on_after_the_helper_process_was_killed():
    render_docx(template=docx_models.split_runs_model(), context=sample_context(), values={})
    os.kill(rendering._zygote.proc.pid, signal.SIGKILL)
    rendering._zygote.proc.wait()

    docx = render_docx(template=docx_models.split_runs_model(), context=sample_context(), values={})

    assert "Contrat n° CT-000123 fin." in docx_models.docx_text(docx)
