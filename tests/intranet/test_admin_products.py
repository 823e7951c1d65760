"""A product's attestation models, as the product page describes them: a dropdown of
Attestation models linked to Contrat or Bénéficiaire, several per product, an optional
« Titre pour l'extranet », a trash that removes the link and never the model, nothing
saved before the page's « Enregistrer »."""

import html
import io
import re

import docx
import pytest
from django.core.files.base import ContentFile
from django.db.models import ProtectedError
from django.urls import reverse

from documents.models import DocumentTemplate, ProductAttestationModel
from products.models import Product
from tests import factories

PREFIX = "attestation_models"
ADD_URL = reverse("intranet:products_product_add")


def docx_file(text: str = "Attestation {{ contrat.numero }}") -> ContentFile:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return ContentFile(buffer.getvalue(), name="modele.docx")


def make_template(name, type=DocumentTemplate.Type.ATTESTATION, entity="contrat"):
    return DocumentTemplate.objects.create(name=name, type=type, entity=entity, file=docx_file())


@pytest.fixture
def templates(db):
    return {
        "contrat": make_template("Attestation d'assurance"),
        "beneficiaire": make_template("Carte verte", entity="beneficiaire"),
        "courrier": make_template("Courrier de relance", type=DocumentTemplate.Type.COURRIER),
        "client": make_template("Attestation client", entity="client"),
    }


def change_url(product):
    return reverse("intranet:products_product_change", args=[product.pk])


def product_form(product, rows, *, initial=0) -> dict:
    """The whole page as the browser posts it: the product and every inline row."""
    data = {
        "name": product.name,
        "beneficiary_kind": product.beneficiary_kind,
        f"{PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{PREFIX}-INITIAL_FORMS": str(initial),
        f"{PREFIX}-MIN_NUM_FORMS": "0",
        f"{PREFIX}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data[f"{PREFIX}-{i}-product"] = str(product.pk)
        for key, value in row.items():
            data[f"{PREFIX}-{i}-{key}"] = str(value)
    return data


def dropdown_options(page: str) -> dict[str, str]:
    """{value: label} of the template dropdown on the « Ajouter » row."""
    select = re.search(rf'<select name="{PREFIX}-__prefix__-template".*?</select>', page, re.S)
    assert select, "the « Ajouter » row has no template dropdown"
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', select.group(0))
    return {value: html.unescape(label) for value, label in options}


def test_dropdown_offers_only_attestations_of_contract_or_beneficiary(client, superuser, templates):
    client.force_login(superuser)

    for url in (ADD_URL, change_url(factories.ProductFactory(name="Flotte automobile"))):
        response = client.get(url)

        assert response.status_code == 200
        options = dropdown_options(response.content.decode())
        assert sorted(options.values()) == ["Attestation d'assurance", "Carte verte"]
        assert str(templates["courrier"].pk) not in options
        assert str(templates["client"].pk) not in options


def test_attach_two_models_with_titles_then_trash_one(client, superuser, templates):
    product = factories.ProductFactory(name="Flotte automobile")
    contrat, carte = templates["contrat"], templates["beneficiaire"]
    client.force_login(superuser)

    rows = [
        {"template": contrat.pk, "extranet_title": "Attestation de flotte", "position": 1},
        {"template": carte.pk, "extranet_title": "Carte verte d'un véhicule", "position": 2},
    ]
    response = client.post(change_url(product), product_form(product, rows))

    assert response.status_code == 302, response.context and response.context["errors"]
    links = list(product.attestation_models.select_related("template"))
    assert [(link.template, link.display_title) for link in links] == [
        (contrat, "Attestation de flotte"),
        (carte, "Carte verte d'un véhicule"),
    ]

    # The trash on the second row (Django's delete checkbox), then « Enregistrer ».
    rows = [
        {"id": links[0].pk, **rows[0]},
        {"id": links[1].pk, **rows[1], "DELETE": "on"},
    ]
    response = client.post(change_url(product), product_form(product, rows, initial=2))

    assert response.status_code == 302
    assert [link.template for link in product.attestation_models.all()] == [contrat]
    assert DocumentTemplate.objects.filter(pk=carte.pk).exists()
    assert product.attestation_models.get().extranet_title == "Attestation de flotte"
    # And the other way round: a model still offered on a product cannot be deleted.
    with pytest.raises(ProtectedError):
        contrat.delete()
    # The page shows the remaining model with its title.
    page = client.get(change_url(product)).content.decode()
    assert 'value="Attestation de flotte"' in page
    assert "Carte verte d&#x27;un véhicule" not in page


def test_title_is_optional(client, superuser, templates):
    product = factories.ProductFactory(name="RC Pro")
    client.force_login(superuser)

    rows = [{"template": templates["contrat"].pk, "extranet_title": "", "position": 0}]
    response = client.post(change_url(product), product_form(product, rows))

    assert response.status_code == 302
    assert product.attestation_models.get().display_title == "Attestation d'assurance"


def test_a_template_of_another_type_or_entity_is_refused_even_when_posted(
    client, superuser, templates
):
    """Bypassing the dropdown changes nothing: the page errs and saves nothing at all."""
    product = factories.ProductFactory(name="Multirisque immeuble")
    client.force_login(superuser)

    for other in (templates["courrier"], templates["client"]):
        rows = [
            {"template": templates["contrat"].pk, "extranet_title": "Valide", "position": 0},
            {"template": other.pk, "extranet_title": "Intrus", "position": 1},
        ]
        response = client.post(
            change_url(product), {**product_form(product, rows), "name": "Renommé"}
        )

        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        assert "template" in formset.errors[1]
        assert not ProductAttestationModel.objects.exists()
        product.refresh_from_db()
        assert product.name == "Multirisque immeuble"


def test_the_same_model_twice_on_a_product_is_refused(client, superuser, templates):
    product = factories.ProductFactory(name="Santé collective")
    client.force_login(superuser)
    row = {"template": templates["contrat"].pk, "extranet_title": "", "position": 0}

    response = client.post(change_url(product), product_form(product, [row, row]))

    assert response.status_code == 200
    assert not product.attestation_models.exists()


def test_create_a_product_with_its_models_in_one_save(client, superuser, templates):
    client.force_login(superuser)
    data = product_form(
        Product(name="Flotte poids lourds", beneficiary_kind="vehicule"),
        [{"template": templates["beneficiaire"].pk, "extranet_title": "", "position": 0}],
    )
    del data[f"{PREFIX}-0-product"]

    response = client.post(ADD_URL, data)

    assert response.status_code == 302
    product = Product.objects.get(name="Flotte poids lourds")
    assert [link.template for link in product.attestation_models.all()] == [
        templates["beneficiaire"]
    ]


def test_product_list_counts_the_models(client, staff_user, templates):
    product = factories.ProductFactory(name="Flotte automobile")
    ProductAttestationModel.objects.create(product=product, template=templates["contrat"])
    ProductAttestationModel.objects.create(product=product, template=templates["beneficiaire"])
    client.force_login(staff_user)

    response = client.get(reverse("intranet:products_product_changelist"))

    assert response.status_code == 200
    assert re.search(r'class="field-attestation_model_count">2<', response.content.decode())
