"""Generating attestations: numbers, storage, preview, destruction, and the model's fields."""

import datetime
import re

import pytest
from django.db import IntegrityError

from documents.engine import ConversionError, TemplateInvalid
from documents.models import AttestationCounter, Document, TemplateField
from documents.preview import template_preview
from documents.services import (
    PREVIEW_MARK,
    attestation_generate,
    attestation_number_next,
    document_destroy,
    document_template_sync_fields,
    field_initial,
    field_label_default,
)
from tests import docx_models, factories
from tests.documents.generation_helpers import (
    cabinet_make,
    fleet_contract_make,
    stored_files,
    template_make,
)
from tests.helpers import run_at_once

PRIVATE_PATH = re.compile(r"^documents/\d{4}/\d{2}/[A-Za-z0-9_-]{32}/[\w.-]+$")


def generated(root) -> list[str]:
    return [name for name in stored_files(root) if name.startswith("documents/")]


# -- numbers ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_numbers_follow_each_other_within_a_year_and_restart_the_next():
    day = datetime.date(2026, 11, 28)
    assert attestation_number_next(today=day) == "ATT-2026-000001"
    assert attestation_number_next(today=day) == "ATT-2026-000002"
    assert attestation_number_next(today=datetime.date(2027, 1, 1)) == "ATT-2027-000001"
    assert attestation_number_next(today=day) == "ATT-2026-000003"
    assert AttestationCounter.objects.get(year=2026).last == 3


def _in_threads(count: int, work) -> list:
    """Every item of every thread's list; no thread may fail."""
    results, errors = run_at_once(work, count)
    assert errors == []
    return [item for result in results for item in result]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_under_concurrent_generation():
    day = datetime.date(2026, 6, 1)

    numbers = _in_threads(8, lambda: [attestation_number_next(today=day) for _ in range(15)])

    # 120 numbers, no duplicate, no hole: the year's row serialised them (the very first
    # ones raced on creating that row, too).
    assert sorted(numbers) == [f"ATT-2026-{n:06d}" for n in range(1, 121)]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_generations_get_distinct_numbers(client_a, _private_storage):
    contract, vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.attestation_model(), pdf_conversion=False)

    def generate():
        document = attestation_generate(
            template=template, contract=contract, beneficiary=vehicle, values={}, shared=True
        )
        return [document.numero]

    numbers = _in_threads(4, generate)

    assert len(set(numbers)) == 4
    assert Document.objects.count() == 4
    assert len(generated(_private_storage)) == 4


# -- generation -------------------------------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_generate_stores_word_and_pdf_privately_and_records_the_document(
    client_a, client_a_user, _private_storage
):
    cabinet_make()
    contract, vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.attestation_model(), name="Attestation véhicule")
    document_template_sync_fields(
        template=template, unknown_tags=["date_debut", "date_fin", "motif"]
    )
    template.product_links.create(
        product=contract.product, extranet_title="Attestation véhicule – événement"
    )

    document = attestation_generate(
        template=template,
        contract=contract,
        beneficiary=vehicle,
        values={"motif": "Salon <Lyon> & co", "date_debut": "2026-12-01", "date_fin": ""},
        user=client_a_user,
        shared=True,
    )

    year = datetime.date.today().year
    assert document.numero == f"ATT-{year}-000001"
    assert document.title == "Attestation véhicule – événement – GH-456-JK – Peugeot 308"
    assert (document.contract, document.beneficiary, document.template) == (
        contract,
        vehicle,
        template,
    )
    assert document.shared_on_extranet and document.shared_at is not None
    assert document.created_by == client_a_user
    # Both files, each under its own unguessable folder, and nothing else.
    assert sorted(generated(_private_storage)) == sorted(
        [document.word_file.name, document.pdf_file.name]
    )
    for name in (document.word_file.name, document.pdf_file.name):
        assert PRIVATE_PATH.match(name), name
    assert document.word_file.name.endswith(f"-{document.numero}.docx")
    with document.pdf_file.open("rb") as handle:
        text = " ".join(docx_models.pdf_text(handle.read()).split())
    assert f"Attestation {document.numero} délivrée le" in text
    assert "Motif : Salon <Lyon> & co" in text
    assert "Du 01/12/2026 au" in text  # a date field typed as ISO prints the French way
    assert "GH-456-JK" in text


@pytest.mark.django_db
def test_a_model_without_pdf_conversion_keeps_only_the_word_file(client_a, _private_storage):
    contract, _vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.attestation_model(beneficiary=False), pdf_conversion=False)

    document = attestation_generate(
        template=template, contract=contract, values={"motif": "x"}, shared=False
    )

    assert document.pdf_file.name == ""
    assert document.main_file == document.word_file
    assert generated(_private_storage) == [document.word_file.name]
    assert not document.shared_on_extranet and document.shared_at is None
    with document.word_file.open("rb") as handle:
        assert f"Attestation {document.numero}" in docx_models.docx_text(handle.read())


@pytest.mark.django_db
def test_files_are_removed_when_the_database_refuses_the_document(client_a, _private_storage):
    contract, _vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.attestation_model(), pdf_conversion=False)
    # The number about to be given already belongs to a document (counter restored from an
    # old backup, say): the insert fails on the unique constraint.
    year = datetime.date.today().year
    Document.objects.create(contract=contract, title="Ancienne", numero=f"ATT-{year}-000001")

    with pytest.raises(IntegrityError):
        attestation_generate(template=template, contract=contract, values={}, shared=True)

    assert generated(_private_storage) == []
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_nothing_is_stored_when_the_conversion_fails(client_a, settings, _private_storage):
    settings.CONVERTER_PORTS = []
    settings.SOFFICE_BINARY = "false"  # fault injected: LibreOffice exits without a PDF
    contract, _vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.attestation_model(), pdf_conversion=True)

    with pytest.raises(ConversionError):
        attestation_generate(template=template, contract=contract, values={}, shared=True)

    assert generated(_private_storage) == []
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_broken_model_fails_generation_with_the_reason(client_a, _private_storage):
    contract, _vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.injection_model(), pdf_conversion=False)

    with pytest.raises(TemplateInvalid, match="instruction interdite"):
        attestation_generate(template=template, contract=contract, values={}, shared=True)

    assert generated(_private_storage) == []


@pytest.mark.django_db
def test_a_beneficiary_of_another_contract_is_refused(client_a):
    contract, _vehicle = fleet_contract_make(client_a)
    stranger = factories.VehicleFactory()
    template = template_make(docx_models.attestation_model(), pdf_conversion=False)

    with pytest.raises(ValueError):
        attestation_generate(
            template=template, contract=contract, beneficiary=stranger, values={}, shared=True
        )


@pytest.mark.django_db
def test_destroy_removes_word_pdf_and_row(
    client_a, _private_storage, django_capture_on_commit_callbacks
):
    contract, _vehicle = fleet_contract_make(client_a)
    document = Document.objects.create(contract=contract, title="À détruire")
    document.word_file.save("a.docx", docx_models.io.BytesIO(b"word"), save=False)
    document.pdf_file.save("a.pdf", docx_models.io.BytesIO(b"%PDF-"), save=True)
    assert len(generated(_private_storage)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        document_destroy(document=document)

    assert generated(_private_storage) == []
    assert not Document.objects.filter(pk=document.pk).exists()


# -- preview ----------------------------------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_preview_is_the_client_pdf_marked_and_stored_nowhere(client_a, _private_storage):
    cabinet_make()
    contract, vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.attestation_model(), name="Attestation véhicule")
    document_template_sync_fields(
        template=template, unknown_tags=["date_debut", "date_fin", "motif"]
    )
    TemplateField.objects.filter(name="date_debut").update(default_days_offset=0)
    before = generated(_private_storage)

    data, filename = template_preview(template=template, contract=contract, beneficiary=vehicle)

    assert filename == "apercu-attestation-vehicule.pdf"
    text = " ".join(docx_models.pdf_text(data).split())
    assert PREVIEW_MARK in text
    assert "Attestation APERÇU délivrée le" in text
    assert "GH-456-JK" in text
    today = datetime.date.today().strftime("%d/%m/%Y")
    assert f"Du {today} au [Date fin]" in text  # initial value, else the field's label
    assert "Motif : [Motif]" in text
    assert generated(_private_storage) == before == []
    assert not Document.objects.exists()
    assert not AttestationCounter.objects.exists()


@pytest.mark.django_db
def test_preview_of_a_word_only_model_is_a_marked_word_file(client_a):
    contract, _vehicle = fleet_contract_make(client_a)
    template = template_make(
        docx_models.simple_model("N° {{ attestation.numero }}"),
        name="Courrier",
        pdf_conversion=False,
    )

    data, filename = template_preview(template=template, contract=contract, values={})

    assert filename == "apercu-courrier.docx"
    header = docx_models.Document(docx_models.io.BytesIO(data)).sections[0].header
    assert header.paragraphs[0].text == PREVIEW_MARK  # on every page, first line
    assert "N° APERÇU" in docx_models.docx_text(data)


# -- the model's fields -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("date_debut", "Date début"),
        ("date_fin", "Date fin"),
        ("motif", "Motif"),
        ("numero_evenement", "Numéro événement"),
        ("duree_prevue", "Durée prévue"),
        ("date_d_effet", "Date d'effet"),
        ("lieuManifestation", "Lieu manifestation"),
        ("adresse2", "Adresse 2"),
    ],
)
def test_field_label_default(name, label):
    assert field_label_default(name) == label


@pytest.mark.django_db
def test_sync_fields_creates_keeps_and_removes(client_a):
    template = template_make(docx_models.attestation_model())

    first = document_template_sync_fields(
        template=template, unknown_tags=["date_debut", "date_fin", "motif"]
    )
    assert (first.added, first.removed, first.kept) == (["date_debut", "date_fin", "motif"], [], [])
    fields = {f.name: f for f in template.fields.all()}
    assert fields["date_debut"].label == "Date début"
    assert fields["date_debut"].type == TemplateField.Type.DATE
    assert fields["motif"].type == TemplateField.Type.TEXT
    # Staff configure a field...
    TemplateField.objects.filter(template=template, name="motif").update(
        label="Motif du déplacement", required=False, help_text="Ex. : salon", type="choice",
        choices="Salon\nChantier",
    )  # fmt: skip

    # ...then replace the .docx: date_fin gone, lieu new.
    second = document_template_sync_fields(
        template=template, unknown_tags=["date_debut", "lieu", "motif"]
    )

    assert (second.added, second.removed, second.kept) == (
        ["lieu"],
        ["date_fin"],
        ["date_debut", "motif"],
    )
    motif = template.fields.get(name="motif")
    assert (motif.label, motif.required, motif.help_text, motif.type, motif.choice_list) == (
        "Motif du déplacement", False, "Ex. : salon", "choice", ["Salon", "Chantier"],
    )  # fmt: skip
    assert list(template.fields.values_list("name", flat=True)) == ["date_debut", "motif", "lieu"]


@pytest.mark.django_db
def test_field_initial_for_dates_is_today_plus_offset():
    template = template_make(docx_models.attestation_model())
    today = datetime.date(2026, 11, 28)
    date_field = TemplateField(
        template=template, name="date_fin", type="date", default_days_offset=30
    )
    no_offset = TemplateField(template=template, name="date_debut", type="date", default="")
    text = TemplateField(template=template, name="motif", default="Salon")

    assert field_initial(field=date_field, today=today) == "28/12/2026"
    assert field_initial(field=TemplateField(type="date", default_days_offset=0), today=today) == (
        "28/11/2026"
    )
    assert field_initial(field=no_offset, today=today) == ""
    assert field_initial(field=text, today=today) == "Salon"
