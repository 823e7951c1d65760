"""Document templates in the intranet: upload checking, « Configurer le modèle »,
the tag dictionary and the preview."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contracts.selectors import cabinet_get
from documents.models import Document, DocumentTemplate, ProductAttestationModel, TemplateField
from tests import docx_models, factories

ADD_URL = reverse("intranet:documents_documenttemplate_add")
LIST_URL = reverse("intranet:documents_documenttemplate_changelist")
TAGS_URL = reverse("intranet:documents_documenttemplate_tags")
LOGIN_URL = reverse("intranet:login")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_bytes(*paragraphs: str) -> bytes:
    return docx_models.simple_model(*paragraphs)


EVENT_MODEL = (
    "Attestation d'assurance",
    "Contrat n° {{ contrat.numero }} souscrit par {{ client.nom }}.",
    "Motif : {{ motif }}, à partir du {{ date_debut }}.",
)


def upload(data: bytes, name: str = "attestation.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=DOCX_TYPE)


def template_form(file, **overrides) -> dict:
    return {
        "name": "Attestation événement",
        "type": DocumentTemplate.Type.ATTESTATION,
        "entity": DocumentTemplate.Entity.CONTRAT,
        "pdf_conversion": "on",
        "file": file,
        **overrides,
    }


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def add_template(client, data: bytes = None, **overrides) -> DocumentTemplate:
    response = client.post(
        ADD_URL, template_form(upload(data or docx_bytes(*EVENT_MODEL)), **overrides)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    return DocumentTemplate.objects.latest("pk")


def configure_url(template) -> str:
    return reverse("intranet:documents_documenttemplate_configure", args=[template.pk])


def preview_url(template) -> str:
    return reverse("intranet:documents_documenttemplate_preview", args=[template.pk])


@pytest.fixture
def contract(client_a):
    contract = factories.ContractFactory(numero="FLT-2026-0042", client=client_a)
    factories.VehicleFactory(contract=contract, immatriculation="GH-123-JK")
    factories.paid_quittance(contract)
    return contract


# -- upload ---------------------------------------------------------------------------------


def test_upload_valid_model_creates_its_fields(as_superuser, _private_storage):
    response = as_superuser.post(
        ADD_URL, template_form(upload(docx_bytes(*EVENT_MODEL))), follow=True
    )

    assert response.status_code == 200
    template = DocumentTemplate.objects.get()
    fields = {f.name: f for f in template.fields.all()}
    assert set(fields) == {"motif", "date_debut"}
    assert fields["date_debut"].label == "Date début"
    assert fields["date_debut"].type == TemplateField.Type.DATE
    assert fields["motif"].type == TemplateField.Type.TEXT
    assert "Zones de saisie créées" in response.content.decode()
    assert len(stored_files(_private_storage)) == 1


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        pytest.param("attestation.docm", docx_bytes(*EVENT_MODEL), "format .docx", id="docm-name"),
        pytest.param("attestation.docx", docx_models.docm_renamed(), "macros", id="docm-renamed"),
        pytest.param(
            "attestation.docx",
            b"Ceci n'est qu'un texte.",
            "pas un vrai document Word",
            id="renamed-text",
        ),
        pytest.param(
            "attestation.docx",
            docx_models.syntax_error_model(),
            "Erreur dans une balise du modèle",
            id="syntax",
        ),
        pytest.param(
            "attestation.docx",
            docx_models.unknown_filter_model(),
            "le filtre « majuscules »",
            id="unknown-filter",
        ),
        pytest.param(
            "attestation.docx",
            docx_models.external_image_model("https://example.com/logo.png"),
            "ressource externe",
            id="external-image",
        ),
    ],
)
def test_upload_refuses_bad_models_with_the_reason(
    as_superuser, _private_storage, filename, data, reason
):
    response = as_superuser.post(ADD_URL, template_form(upload(data, filename)))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert reason in " ".join(errors)
    assert reason in response.content.decode()
    assert not DocumentTemplate.objects.exists()
    assert stored_files(_private_storage) == []


def test_replacing_the_file_keeps_settings_and_tells_what_changed(as_superuser):
    template = add_template(as_superuser)
    template.fields.filter(name="motif").update(
        label="Motif du déplacement", required=False, help_text="Salon, chantier…"
    )
    new_model = docx_bytes("{{ contrat.numero }}", "{{ motif }} à {{ lieu }}")
    change_url = reverse("intranet:documents_documenttemplate_change", args=[template.pk])

    response = as_superuser.post(
        change_url, template_form(upload(new_model), name=template.name), follow=True
    )

    page = response.content.decode()
    assert "Nouvelles zones de saisie : lieu ; zones retirées : date_debut." in page
    fields = {f.name: f for f in TemplateField.objects.filter(template=template)}
    assert set(fields) == {"motif", "lieu"}
    assert fields["motif"].label == "Motif du déplacement"
    assert fields["motif"].required is False
    assert fields["motif"].help_text == "Salon, chantier…"


def test_changing_only_the_name_leaves_the_fields_alone(as_superuser):
    template = add_template(as_superuser)
    template.fields.filter(name="motif").update(label="Motif du déplacement")
    change_url = reverse("intranet:documents_documenttemplate_change", args=[template.pk])

    response = as_superuser.post(change_url, template_form("", name="Autre nom"), follow=True)

    assert response.status_code == 200
    template.refresh_from_db()
    assert template.name == "Autre nom"
    assert "Nouvelles zones" not in response.content.decode()
    assert template.fields.get(name="motif").label == "Motif du déplacement"


def test_template_list_shows_fields_and_products(as_superuser, django_assert_max_num_queries):
    template = add_template(as_superuser)
    product = factories.ProductFactory(name="Flotte automobile")
    ProductAttestationModel.objects.create(product=product, template=template)
    add_template(as_superuser, docx_bytes("{{ contrat.numero }}"), name="Attestation simple")

    cabinet_get()  # created on first use, not part of what the list costs
    # session, user, count, filtered count, cabinet (site title), the page, its product links
    with django_assert_max_num_queries(7):
        response = as_superuser.get(LIST_URL)

    page = response.content.decode()
    assert "Attestation événement" in page
    assert "Flotte automobile" in page
    assert configure_url(template) in page
    assert preview_url(template) in page
    assert TAGS_URL in page


# -- « Configurer le modèle » ---------------------------------------------------------------


def formset_data(template, **changes) -> dict:
    """The configure form as shown, with ``changes`` ({name: {field: value}}) applied."""
    fields = list(template.fields.all())
    data = {
        "validity_start_field": template.validity_start_field,
        "validity_end_field": template.validity_end_field,
        "qr_code_size_mm": str(template.qr_code_size_mm),
        "form-TOTAL_FORMS": str(len(fields)),
        "form-INITIAL_FORMS": str(len(fields)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, field in enumerate(fields):
        values = {
            "id": field.pk,
            "label": field.label,
            "type": field.type,
            "default": field.default,
            "default_days_offset": ""
            if field.default_days_offset is None
            else field.default_days_offset,
            "help_text": field.help_text,
            "choices": field.choices,
            "position": field.position,
            **({"required": "on"} if field.required else {}),
            **changes.get(field.name, {}),
        }
        data.update({f"form-{i}-{key}": value for key, value in values.items()})
    return data


def test_configure_page_lists_the_fields(as_superuser):
    template = add_template(as_superuser)

    response = as_superuser.get(configure_url(template))

    page = response.content.decode()
    assert "motif" in page and "date_debut" in page
    assert 'value="Date début"' in page


def test_configure_saves_label_type_and_default(as_superuser):
    template = add_template(as_superuser)
    data = formset_data(
        template,
        motif={"label": "Motif de l'attestation", "type": "choice", "choices": "Salon\nChantier"},
        date_debut={"label": "Premier jour", "default_days_offset": "7"},
    )

    response = as_superuser.post(configure_url(template), data, follow=True)

    assert "La configuration du modèle est enregistrée." in response.content.decode()
    motif = template.fields.get(name="motif")
    assert motif.label == "Motif de l'attestation"
    assert motif.type == TemplateField.Type.CHOICE
    assert motif.choice_list == ["Salon", "Chantier"]
    date_debut = template.fields.get(name="date_debut")
    assert date_debut.label == "Premier jour"
    assert date_debut.default_days_offset == 7


EVENT_DATES_MODEL = (*EVENT_MODEL, "Jusqu'au {{ date_fin }}.", "{{ attestation.qr_code }}")


def test_configure_takes_the_validity_from_two_date_fields_and_sizes_the_qr_code(as_superuser):
    template = add_template(as_superuser, docx_bytes(*EVENT_DATES_MODEL))
    data = formset_data(template, date_debut={"type": "date"}, date_fin={"type": "date"})
    data.update(
        validity_start_field="date_debut", validity_end_field="date_fin", qr_code_size_mm="40"
    )

    response = as_superuser.post(configure_url(template), data, follow=True)

    assert "La configuration du modèle est enregistrée." in response.content.decode()
    template.refresh_from_db()
    assert (template.validity_start_field, template.validity_end_field) == (
        "date_debut", "date_fin",
    )  # fmt: skip
    assert template.qr_code_size_mm == 40


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"validity_start_field": "date_debut"}, "Choisissez les deux dates de validité"),
        ({"validity_start_field": "motif", "validity_end_field": "date_fin"}, "Sélectionnez un"),
        ({"qr_code_size_mm": "200"}, "inférieure ou égale à 80"),
    ],
)
def test_configure_refuses_a_half_or_non_date_validity_and_a_huge_qr_code(
    as_superuser, choice, message
):
    template = add_template(as_superuser, docx_bytes(*EVENT_DATES_MODEL))
    data = formset_data(template, date_debut={"type": "date"}, date_fin={"type": "date"})
    data.update(choice)

    response = as_superuser.post(configure_url(template), data)

    page = response.content.decode()
    assert response.status_code == 200 and message in page
    template.refresh_from_db()
    assert (template.validity_start_field, template.qr_code_size_mm) == ("", 30)


def test_configure_refuses_a_list_without_choices_and_an_offset_on_text(as_superuser):
    template = add_template(as_superuser)
    data = formset_data(template, motif={"type": "choice", "default_days_offset": "3"})

    response = as_superuser.post(configure_url(template), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Indiquez les choix de la liste" in page
    assert "ne vaut que pour une date" in page
    assert template.fields.get(name="motif").type == TemplateField.Type.TEXT


def test_configure_a_model_without_unknown_tags(as_superuser):
    template = add_template(as_superuser, docx_bytes("{{ contrat.numero }}"))

    response = as_superuser.get(configure_url(template))

    assert "Ce modèle n'a aucune étiquette inconnue" in response.content.decode()


def test_change_form_menu_links_to_configure_and_preview(as_superuser):
    template = add_template(as_superuser)

    response = as_superuser.get(
        reverse("intranet:documents_documenttemplate_change", args=[template.pk])
    )

    page = response.content.decode()
    assert configure_url(template) in page
    assert preview_url(template) in page
    assert TAGS_URL in page


# -- tag dictionary -------------------------------------------------------------------------


def test_tag_dictionary_shows_examples_from_a_real_contract(as_staff, contract):
    response = as_staff.get(TAGS_URL)

    page = response.content.decode()
    assert "contrat.numero" in page
    assert "FLT-2026-0042" in page
    assert "GH-123-JK" in page  # beneficiaire.immatriculation, from its vehicle
    assert "contrat.garanties" in page  # how to write a table row loop


def test_tag_dictionary_takes_the_contract_asked_for(as_staff, contract):
    other = factories.ContractFactory(numero="MRI-77", status="resilie")

    by_id = as_staff.get(TAGS_URL, {"contrat": other.pk}).content.decode()
    by_number = as_staff.get(TAGS_URL, {"numero": "mri-77"}).content.decode()

    assert "MRI-77" in by_id and "FLT-2026-0042" not in by_id
    assert "MRI-77" in by_number
    assert as_staff.get(TAGS_URL, {"contrat": "999999"}).status_code == 404


def test_tag_dictionary_without_any_contract(as_staff):
    response = as_staff.get(TAGS_URL)

    assert response.status_code == 200
    assert "contrat.numero" in response.content.decode()


def test_tag_dictionary_is_read_only(as_staff):
    assert as_staff.post(TAGS_URL).status_code == 405


# -- preview --------------------------------------------------------------------------------


def test_preview_finds_a_contract_by_number(as_superuser, contract):
    template = add_template(as_superuser)

    response = as_superuser.get(preview_url(template), {"q": "2026-0042"})

    page = response.content.decode()
    assert f"?contrat={contract.pk}" in page


def test_preview_links_a_contract_past_999_without_a_thousands_separator(as_superuser, client_a):
    # French formatting prints 12345 as « 12 345 »: a link made of it led nowhere.
    factories.ContractFactory(pk=12345, numero="FLT-2026-9999", client=client_a)
    template = add_template(as_superuser)

    page = as_superuser.get(preview_url(template), {"q": "2026-9999"}).content.decode()

    assert 'href="?contrat=12345"' in page


def test_preview_form_prefills_the_defaults(as_superuser, contract):
    template = add_template(as_superuser)
    template.fields.filter(name="motif").update(default="Salon du camion")
    template.fields.filter(name="date_debut").update(default_days_offset=0)

    response = as_superuser.get(preview_url(template), {"contrat": contract.pk})

    page = response.content.decode()
    assert 'value="Salon du camion"' in page
    assert f'value="{timezone.localdate():%d/%m/%Y}"' in page
    assert "GH-123-JK" not in page  # a « Contrat » model names no beneficiary


def beneficiary_template(as_superuser) -> DocumentTemplate:
    return add_template(
        as_superuser,
        docx_models.attestation_model(),
        name="Attestation véhicule",
        entity=DocumentTemplate.Entity.BENEFICIAIRE,
    )


def test_preview_offers_the_vehicles_covered_today(as_superuser, contract):
    template = beneficiary_template(as_superuser)
    factories.VehicleFactory(
        contract=contract,
        immatriculation="OLD-000-XX",
        date_sortie=timezone.localdate() - datetime.timedelta(days=1),
    )

    page = as_superuser.get(preview_url(template), {"contrat": contract.pk}).content.decode()

    assert "GH-123-JK" in page
    assert "OLD-000-XX" not in page


@pytest.mark.libreoffice
def test_preview_returns_the_pdf_without_storing_anything(as_superuser, contract, _private_storage):
    template = beneficiary_template(as_superuser)
    vehicle = contract.beneficiaries.get()
    files_before = stored_files(_private_storage)  # the model itself
    data = {
        "beneficiary": vehicle.pk,
        "field_motif": "Salon du camion",
        "field_date_debut": "02/03/2026",
        "field_date_fin": "05/03/2026",
    }

    response = as_superuser.post(f"{preview_url(template)}?contrat={contract.pk}", data)

    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    text = docx_models.pdf_text(response.content)
    assert "FLT-2026-0042" in text
    assert "GH-123-JK" in text
    assert "Salon du camion" in text
    assert "APERÇU – document sans valeur" in text
    assert not Document.objects.exists()
    assert stored_files(_private_storage) == files_before


def test_preview_with_the_storage_down_says_so_on_the_form(
    as_superuser, contract, _private_storage
):
    template = beneficiary_template(as_superuser)
    vehicle = contract.beneficiaries.get()
    model = _private_storage / template.file.name
    model.unlink()
    model.mkdir()  # the disk answers with an error other than « not found » (root reads all)
    data = {"beneficiary": vehicle.pk, "field_motif": "Salon", "field_date_debut": "02/03/2026",
            "field_date_fin": "05/03/2026"}  # fmt: skip

    response = as_superuser.post(f"{preview_url(template)}?contrat={contract.pk}", data)

    assert response.status_code == 200
    assert "le stockage des fichiers ne répond pas" in response.content.decode()


def test_preview_requires_the_required_fields(as_superuser, contract):
    template = add_template(as_superuser)

    response = as_superuser.post(
        f"{preview_url(template)}?contrat={contract.pk}",
        {"field_motif": "", "field_date_debut": ""},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert set(response.context["form"].errors) == {"field_motif", "field_date_debut"}
    assert not Document.objects.exists()


def test_preview_refuses_a_beneficiary_of_another_contract(as_superuser, contract):
    template = beneficiary_template(as_superuser)
    stranger = factories.VehicleFactory(immatriculation="ZZ-999-ZZ")

    response = as_superuser.post(
        f"{preview_url(template)}?contrat={contract.pk}",
        {
            "beneficiary": stranger.pk,
            "field_motif": "x",
            "field_date_debut": "02/03/2026",
            "field_date_fin": "05/03/2026",
        },
    )

    assert response.status_code == 200
    assert "beneficiary" in response.context["form"].errors
    assert not Document.objects.exists()


def test_preview_of_an_unknown_template_or_contract_is_404(as_superuser, contract):
    template = add_template(as_superuser)

    assert (
        as_superuser.get(
            reverse("intranet:documents_documenttemplate_preview", args=[999])
        ).status_code
        == 404
    )
    assert as_superuser.get(preview_url(template), {"contrat": "999999"}).status_code == 404
    assert as_superuser.get(preview_url(template), {"contrat": "abc"}).status_code == 404


# -- access ---------------------------------------------------------------------------------


def _urls(template) -> list[str]:
    return [ADD_URL, LIST_URL, TAGS_URL, configure_url(template), preview_url(template)]


@pytest.fixture
def stored_template(db):
    return DocumentTemplate.objects.create(
        name="Modèle", file=ContentFile(docx_bytes("{{ motif }}"), name="m.docx")
    )


def test_clients_are_sent_to_the_login_page(client, client_a_user, stored_template):
    client.force_login(client_a_user)
    for url in _urls(stored_template):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN_URL), url


def test_anonymous_is_sent_to_the_login_page(client, stored_template):
    for url in _urls(stored_template):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN_URL), url


def test_staff_without_permission_is_refused(client, other_staff, stored_template):
    client.force_login(other_staff)
    for url in [TAGS_URL, configure_url(stored_template), preview_url(stored_template)]:
        assert client.get(url).status_code == 403, url


def test_tag_dictionary_prefers_a_contract_in_force_with_a_beneficiary(as_staff):
    quote = factories.ContractFactory(numero="DEV-0001", status="devis")
    factories.VehicleFactory(contract=quote)
    factories.ContractFactory(numero="SANS-BENEF")  # in force, but nothing to show for it
    in_force = factories.ContractFactory(numero="FLT-0002")
    factories.VehicleFactory(contract=in_force, immatriculation="KL-456-MN")

    page = as_staff.get(TAGS_URL).content.decode()

    assert "FLT-0002" in page and "KL-456-MN" in page
    assert "DEV-0001" not in page


def test_replacing_or_deleting_a_model_removes_its_former_file_from_storage(
    as_superuser, _private_storage, django_capture_on_commit_callbacks
):
    template = add_template(as_superuser)
    first = template.file.name
    change_url = reverse("intranet:documents_documenttemplate_change", args=[template.pk])

    with django_capture_on_commit_callbacks(execute=True):
        as_superuser.post(
            change_url, template_form(upload(docx_bytes("{{ motif }}")), name="Autre")
        )

    template.refresh_from_db()
    assert stored_files(_private_storage) == [template.file.name] != [first]

    delete_url = reverse("intranet:documents_documenttemplate_delete", args=[template.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_superuser.post(delete_url, {"post": "yes"})

    assert response.status_code == 302
    assert not DocumentTemplate.objects.filter(pk=template.pk).exists()
    assert stored_files(_private_storage) == []
