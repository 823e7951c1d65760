"""The « Demander une attestation » button and form, as a client uses them."""

import datetime

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from documents.models import AttestationRequest, Document, ProductAttestationModel, TemplateField
from tests import factories
from tests.documents.request_helpers import fleet_offer_make, unpaid_contract_make
from tests.extranet.conftest import make_document
from tests.helpers import page_text, page_tree


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a, green_card=True)


def form_url(contract) -> str:
    return reverse("extranet:attestation_request_new", args=[contract.pk])


def documents_url(contract) -> str:
    return reverse("extranet:contract_documents", args=[contract.pk])


def options(tree, name) -> list[str]:
    return [o.text_content().strip() for o in tree.xpath(f"//select[@name='{name}']/option")]


def inputs(tree) -> list[str]:
    return [
        e.get("name")
        for e in tree.xpath("//form[@id='attestation-form']//*[starts-with(@name, 'champ_')]")
    ]


def error_of(tree, name) -> str:
    """The error shown next to the input ``name`` (in the same .field block)."""
    (field,) = [
        e.getparent() for e in tree.xpath(f"//form[@id='attestation-form']//*[@name='{name}']")
    ]
    return " ".join(li.text_content().strip() for li in field.xpath(".//ul[@class='errorlist']/li"))


def post_data(offer, **overrides) -> dict:
    data = {
        "beneficiaire": str(offer.vehicle.pk),
        "modele": str(offer.vehicle_model.pk),
        "champ_motif": "Salon de l'auto",
        "champ_date_debut": "01/12/2026",
        "champ_date_fin": "03/12/2026",
        "action": "send",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -- the button on the « Documents » tab ------------------------------------------------------


def test_eligible_contract_shows_the_button(as_a, offer):
    tree = page_tree(as_a.get(documents_url(offer.contract)))
    (button,) = tree.xpath(f"//a[@class='button'][@href='{form_url(offer.contract)}']")
    assert button.text_content() == "Demander une attestation"


def test_unpaid_contract_shows_the_button_disabled_with_the_reason(as_a, client_a, offer):
    contract = unpaid_contract_make(client_a, offer.contract.product)
    response = as_a.get(documents_url(contract))
    tree = page_tree(response)
    (button,) = tree.xpath("//button[@disabled]")
    assert button.text_content() == "Demander une attestation"
    assert not tree.xpath(f"//a[@href='{form_url(contract)}']")
    (reason,) = tree.xpath(f"//*[@id='{button.get('aria-describedby')}']")
    assert reason.text_content() == (
        "Vous ne pouvez pas demander d'attestation pour ce contrat pour le moment. "
        "La quittance couvrant la date du jour n'est pas entièrement réglée."
    )


def test_no_model_on_the_product_no_button(as_a, contract_a):
    assert "Demander une attestation" not in page_text(as_a.get(documents_url(contract_a)))


def test_with_validation_the_button_works_on_an_unpaid_contract(as_a, client_a, offer):
    contract = unpaid_contract_make(client_a, offer.contract.product)
    factories.TaskTemplateFactory(products=[offer.contract.product])
    tree = page_tree(as_a.get(documents_url(contract)))
    assert tree.xpath(f"//a[@class='button'][@href='{form_url(contract)}']")
    assert not tree.xpath("//button[@disabled]")


def test_documents_tab_query_budget_with_models(as_a, offer, django_assert_max_num_queries):
    for n in range(30):
        make_document(offer.contract, title=f"Attestation n° {n}")
    # 1 session, 2 user, 3 clients (client_required), 4 contract, 5 count of documents,
    # 6 the page of documents, 7 the product's attestation models, 8 the validation task
    # templates, 9 the quittance covering today (eligibility), 10 cabinet name.
    with django_assert_max_num_queries(10):
        response = as_a.get(documents_url(offer.contract))
    assert page_text(response).count("Attestation n° ") == 30


# -- the form ---------------------------------------------------------------------------------


def test_form_starts_on_the_contract_with_its_model_alone(as_a, offer):
    tree = page_tree(as_a.get(form_url(offer.contract)))
    assert options(tree, "beneficiaire") == [
        "Aucun véhicule en particulier : le contrat en général",
        "GH-456-JK – Peugeot 308",
    ]
    # One « Contrat » model: no choice, no title shown, no field (this model has none).
    assert not tree.xpath("//select[@name='modele']")
    assert "Attestation du contrat" not in tree.text_content()
    assert inputs(tree) == []
    assert tree.xpath("//button[@type='submit']")[-1].text_content() == "Envoyer la demande"


def test_choosing_a_vehicle_offers_only_the_beneficiary_models_and_their_fields(as_a, offer):
    tree = page_tree(as_a.get(form_url(offer.contract), {"beneficiaire": offer.vehicle.pk}))
    assert options(tree, "modele") == ["Attestation pour un événement", "Carte verte provisoire"]
    assert "Attestation du contrat" not in tree.text_content()
    assert inputs(tree) == ["champ_motif", "champ_date_debut", "champ_date_fin"]
    labels = [
        label.text_content() for label in tree.xpath("//fieldset[@class='request-values']//label")
    ]
    assert labels == ["Motif du déplacement", "Date de début", "Date de fin"]
    motif = tree.xpath("//*[@name='champ_motif']")[0]
    assert motif.get("value") == "Salon professionnel"  # the default set for the model
    assert "Par exemple : salon professionnel" in tree.text_content()  # its help
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert tree.xpath("//*[@name='champ_date_debut']")[0].get("value") == today  # today + 0
    assert tree.xpath("//*[@name='champ_date_fin']")[0].get("placeholder") == "jj/mm/aaaa"


def test_a_choice_field_and_an_optional_one(as_a, offer):
    template = offer.vehicle_model.template
    TemplateField.objects.create(
        template=template, name="zone", label="Zone", type=TemplateField.Type.CHOICE,
        choices="France\nEurope", position=9, required=False,
    )  # fmt: skip
    tree = page_tree(as_a.get(form_url(offer.contract), {"beneficiaire": offer.vehicle.pk}))
    assert options(tree, "champ_zone") == ["—", "France", "Europe"]
    assert "Zone (facultatif)" in tree.text_content()


def test_htmx_redraws_only_the_form_when_the_choice_changes(as_a, offer):
    data = post_data(offer, modele=str(offer.green_card.pk), action="refresh")
    response = as_a.post(form_url(offer.contract), data, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="attestation-form"')
    assert "<html" not in body and "Contrat FL-2026-0042" not in body
    tree = lxml.html.fromstring(body)
    assert inputs(tree) == []  # the green card has no field
    assert not AttestationRequest.objects.exists()
    select = tree.xpath("//select[@name='beneficiaire']")[0]
    assert select.get("hx-post") == form_url(offer.contract)
    assert select.get("hx-target") == "#attestation-form"


def test_without_javascript_update_keeps_what_was_typed_and_shows_no_error(as_a, offer):
    data = post_data(offer, champ_motif="Rallye des Alpes", champ_date_fin="", action="refresh")
    response = as_a.post(form_url(offer.contract), data)
    tree = page_tree(response)
    assert "<html" in response.content.decode()  # the whole page
    assert tree.xpath("//noscript")  # the « Mettre à jour le formulaire » button
    assert tree.xpath("//*[@name='champ_motif']")[0].get("value") == "Rallye des Alpes"
    assert not tree.xpath("//*[@class='errorlist']")
    assert not AttestationRequest.objects.exists()


def test_send_records_the_request_and_goes_to_its_page(as_a, offer, client_a_user):
    response = as_a.post(form_url(offer.contract), post_data(offer))

    request = AttestationRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("extranet:attestation_request", args=[request.pk])
    assert (request.user, request.beneficiary, request.template) == (
        client_a_user,
        offer.vehicle,
        offer.vehicle_model.template,
    )
    assert request.values == {
        "motif": "Salon de l'auto",
        "date_debut": "01/12/2026",
        "date_fin": "03/12/2026",
    }


def test_send_generates_and_the_document_is_on_the_documents_tab(
    as_a, offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        as_a.post(form_url(offer.contract), post_data(offer))

    document = Document.objects.get()
    tab = as_a.get(documents_url(offer.contract))
    assert document.title in page_text(tab)
    download = reverse("extranet:document_download", args=[document.pk])
    assert page_tree(tab).xpath(f"//a[@href='{download}']")
    assert as_a.get(download).status_code == 200


def test_errors_are_shown_next_to_their_field(as_a, offer):
    data = post_data(offer, champ_motif="", champ_date_debut="31/02/2026")
    tree = page_tree(as_a.post(form_url(offer.contract), data))

    assert error_of(tree, "champ_motif") == "Ce champ est obligatoire."
    assert error_of(tree, "champ_date_debut") == (
        "Cette date n'existe pas : vérifiez le jour et le mois."
    )
    assert error_of(tree, "champ_date_fin") == ""
    assert (
        "Vérifiez les champs signalés."
        in tree.xpath("//*[contains(@class, 'alert--error')]")[0].text_content()
    )
    assert tree.xpath("//*[@name='champ_date_fin']")[0].get("value") == "03/12/2026"  # kept
    assert not AttestationRequest.objects.exists()


def test_a_vehicle_is_required_when_only_beneficiary_models_exist(as_a, client_a):
    offer = fleet_offer_make(client_a, contract_model=False)
    tree = page_tree(as_a.get(form_url(offer.contract)))
    assert options(tree, "beneficiaire") == ["Choisissez un véhicule", "GH-456-JK – Peugeot 308"]
    assert inputs(tree) == ["champ_motif", "champ_date_debut", "champ_date_fin"]

    tree = page_tree(as_a.post(form_url(offer.contract), post_data(offer, beneficiaire="")))
    assert error_of(tree, "beneficiaire") == "Ce champ est obligatoire."
    assert not AttestationRequest.objects.exists()


def test_a_product_with_one_model_shows_no_choice(as_a, client_a):
    offer = fleet_offer_make(client_a, contract_model=False)
    ProductAttestationModel.objects.filter(pk=offer.vehicle_model.pk).update(extranet_title="")
    tree = page_tree(as_a.get(form_url(offer.contract), {"beneficiaire": offer.vehicle.pk}))
    assert not tree.xpath("//select[@name='modele']")
    assert "Attestation véhicule – événement" not in tree.text_content()
    assert inputs(tree) == ["champ_motif", "champ_date_debut", "champ_date_fin"]


def test_a_beneficiary_of_another_contract_is_refused(as_a, client_a, offer):
    other = factories.ContractFactory(client=client_a, product=offer.contract.product)
    stranger = factories.VehicleFactory(contract=other)
    response = as_a.post(form_url(offer.contract), post_data(offer, beneficiaire=stranger.pk))
    tree = page_tree(response)
    assert "Sélectionnez un choix valide" in error_of(tree, "beneficiaire")
    assert not AttestationRequest.objects.exists()


def test_a_model_of_another_product_is_refused(as_a, offer):
    foreign = ProductAttestationModel.objects.create(
        product=factories.ProductFactory(name="Flotte poids lourds"),
        template=offer.vehicle_model.template,
    )
    tree = page_tree(as_a.post(form_url(offer.contract), post_data(offer, modele=foreign.pk)))
    assert "Sélectionnez un choix valide" in error_of(tree, "modele")
    assert not AttestationRequest.objects.exists()


def test_a_tampered_choice_value_is_refused(as_a, offer):
    TemplateField.objects.create(
        template=offer.vehicle_model.template, name="zone", label="Zone",
        type=TemplateField.Type.CHOICE, choices="France\nEurope", position=9,
    )  # fmt: skip
    tree = page_tree(as_a.post(form_url(offer.contract), post_data(offer, champ_zone="Mars")))
    assert "Sélectionnez un choix valide" in error_of(tree, "champ_zone")
    assert not AttestationRequest.objects.exists()


def test_unknown_inputs_sent_along_are_not_values(as_a, offer):
    data = post_data(offer, champ_contrat="FAUX", champ_attestation="FAUX")
    as_a.post(form_url(offer.contract), data)
    request = AttestationRequest.objects.get()
    assert set(request.values) == {"motif", "date_debut", "date_fin"}


def test_unpaid_contract_form_says_why_and_records_nothing(as_a, client_a, offer):
    contract = unpaid_contract_make(client_a, offer.contract.product)
    response = as_a.post(form_url(contract), {"action": "send", "beneficiaire": ""})
    assert response.status_code == 200
    shown = page_text(response)
    assert "La quittance couvrant la date du jour n'est pas entièrement réglée." in shown
    assert not page_tree(response).xpath("//*[@id='attestation-form']")
    assert not AttestationRequest.objects.exists()


def test_the_hourly_limit_message_is_shown(as_a, offer, settings):
    settings.ATTESTATION_REQUESTS_PER_HOUR = 1
    as_a.post(form_url(offer.contract), post_data(offer))
    response = as_a.post(form_url(offer.contract), post_data(offer, champ_motif="Rallye"))
    assert response.status_code == 200
    shown = page_text(response)
    assert "Vous avez atteint la limite de 1 demandes d'attestation par heure." in shown
    assert AttestationRequest.objects.count() == 1


def test_a_vehicle_that_left_is_not_offered(as_a, offer):
    offer.vehicle.date_sortie = timezone.localdate() - datetime.timedelta(days=1)
    offer.vehicle.save()
    tree = page_tree(as_a.get(form_url(offer.contract)))
    assert not tree.xpath("//select[@name='beneficiaire']")
