"""A vehicle enters the fleet: with « Générer à l'entrée d'un bénéficiaire » on the product's
model, its attestation is generated, shared (or held for validation) and the client is told;
and the intranet's pages that add beneficiaries call it."""

import datetime

import pytest
from django.urls import reverse

from documents.attestations.entry import attestations_on_entry
from documents.attestations.validation import attestation_request_approve
from documents.models import AttestationRequest, ProductAttestationModel, TemplateField
from tests import docx_models, factories
from tests.documents.request_helpers import fleet_offer_make, unpaid_contract_make
from tests.documents.validation_helpers import validation_template_make
from tests.helpers import page_text, page_tree

pytestmark = pytest.mark.django_db

Status = AttestationRequest.Status


@pytest.fixture
def offer(client_a, client_a_user):
    """The event model generated on entry; its fields' defaults fill it (« date de fin »
    gets one: a model's required field without a default cannot be filled unattended)."""
    offer = fleet_offer_make(client_a)
    ProductAttestationModel.objects.filter(pk=offer.vehicle_model.pk).update(generate_on_entry=True)
    TemplateField.objects.filter(template=offer.vehicle_model.template, name="date_fin").update(
        default_days_offset=30
    )
    return offer


def new_vehicle(offer, plate="EN-123-TR", **kwargs):
    kwargs.setdefault("date_entree", factories.today())
    return factories.VehicleFactory(contract=offer.contract, immatriculation=plate, **kwargs)


def test_a_vehicle_entering_gets_its_attestation_shared_and_the_client_is_told(
    offer, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    vehicle = new_vehicle(offer)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = attestations_on_entry(beneficiaries=[vehicle], user=staff_user)
    [request] = outcome.requested
    request.refresh_from_db()
    assert request.origin == AttestationRequest.Origin.ENTRY and request.user == staff_user
    assert request.status == Status.READY and request.document.shared_on_extranet
    assert request.values["motif"] == "Salon professionnel"  # the field's default
    with request.document.word_file.open("rb") as handle:
        assert "EN-123-TR" in docx_models.docx_text(handle.read())
    # The client's accounts are told, never the staff member who added the vehicle.
    assert [m.to for m in mailoutbox] == [["charlie@dupont.fr"]]
    assert "EN-123-TR – Renault Clio vient d'entrer sur votre contrat" in mailoutbox[0].body


def test_not_covered_yet_or_unpaid_means_no_attestation_and_says_why(offer, client_a, staff_user):
    tomorrow = factories.today() + datetime.timedelta(days=1)
    future = new_vehicle(offer, "FU-001-TR", date_entree=tomorrow)
    unpaid = unpaid_contract_make(client_a, offer.contract.product)
    on_unpaid = factories.VehicleFactory(contract=unpaid, date_entree=factories.today())
    outcome = attestations_on_entry(beneficiaries=[future, on_unpaid], user=staff_user)
    assert outcome.requested == []
    reasons = dict(outcome.skipped)
    assert "n'est pas couvert à ce jour" in reasons[future]
    assert "n'est pas entièrement réglée" in reasons[on_unpaid]
    assert not AttestationRequest.objects.exists()


def test_a_model_not_generated_on_entry_does_nothing(offer, staff_user):
    ProductAttestationModel.objects.update(generate_on_entry=False)
    outcome = attestations_on_entry(beneficiaries=[new_vehicle(offer)], user=staff_user)
    assert (outcome.requested, outcome.skipped) == ([], [])


def test_a_required_field_without_default_is_said(offer, staff_user):
    TemplateField.objects.filter(name="date_fin").update(default_days_offset=None)
    outcome = attestations_on_entry(beneficiaries=[new_vehicle(offer)], user=staff_user)
    assert outcome.requested == [] and len(outcome.skipped) == 1
    assert not AttestationRequest.objects.exists()


def test_under_validation_it_waits_and_the_client_is_told_once_validated(
    offer, staff_user, other_staff, mailoutbox, django_capture_on_commit_callbacks
):
    validation_template_make(other_staff)
    with django_capture_on_commit_callbacks(execute=True):
        [request] = attestations_on_entry(
            beneficiaries=[new_vehicle(offer)], user=staff_user
        ).requested
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VALIDATION and request.task is not None
    assert [m.to for m in mailoutbox] == [["bob@cabinet.fr"]]  # the task's recipient only
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_approve(request=request, user=other_staff)
    assert [m.to for m in mailoutbox] == [["charlie@dupont.fr"]]


# -- where beneficiaries are added: the intranet ------------------------------------------------


def test_adding_a_vehicle_in_the_intranet_generates_its_attestation(
    as_staff, offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_staff.post(
            reverse("intranet:contracts_beneficiary_add"),
            {
                "contract": offer.contract.pk,
                "kind": "vehicule",
                "immatriculation": "NE-777-UF",
                "marque": "Iveco",
                "modele": "Daily",
                "date_entree": factories.today().strftime("%d/%m/%Y"),
            },
            follow=True,
        )
    assert "NE-777-UF – Iveco Daily : attestation" in page_text(response)
    request = AttestationRequest.objects.get(beneficiary__immatriculation="NE-777-UF")
    assert request.status == Status.READY and request.origin == AttestationRequest.Origin.ENTRY


def _form_data(response) -> dict[str, str]:
    """What the browser would post back from the contract's page, as it stands."""
    data = {}
    form = page_tree(response).xpath("//form[contains(@id, '_form')]")[0]
    for field in form.xpath(".//input | .//select | .//textarea"):
        name, kind = field.get("name"), field.get("type")
        if not name or "__prefix__" in name or kind in ("submit", "button", "file"):
            continue
        if kind == "checkbox":
            if field.get("checked") is not None:
                data[name] = "on"
        elif field.tag == "select":
            chosen = field.xpath("./option[@selected]")
            data[name] = chosen[0].get("value") if chosen else ""
        elif field.tag == "textarea":
            data[name] = field.text or ""
        else:
            data[name] = field.get("value", "")
    return data


def test_adding_a_vehicle_on_the_contract_page_generates_its_attestation(
    as_staff, offer, django_capture_on_commit_callbacks
):
    change = reverse("intranet:contracts_contract_change", args=[offer.contract.pk])
    data = _form_data(as_staff.get(change))
    n = int(data["beneficiaries-TOTAL_FORMS"])
    data["beneficiaries-TOTAL_FORMS"] = str(n + 1)
    data.update({f"beneficiaries-{n}-{k}": v for k, v in {
        "kind": "vehicule", "immatriculation": "IN-555-LI", "marque": "Ford",
        "modele": "Transit", "date_entree": factories.today().strftime("%d/%m/%Y"),
    }.items()})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = as_staff.post(change, data, follow=True)
    assert "IN-555-LI – Ford Transit : attestation" in page_text(response)
    [request] = AttestationRequest.objects.all()  # the vehicles already there: none
    assert request.beneficiary.immatriculation == "IN-555-LI"
    assert request.status == Status.READY


def test_editing_a_vehicle_does_not_generate_again(as_staff, offer):
    vehicle = offer.vehicle
    response = as_staff.post(
        reverse("intranet:contracts_beneficiary_change", args=[vehicle.pk]),
        {"contract": offer.contract.pk, "kind": "vehicule", "immatriculation": "GH-456-JK",
         "marque": "Peugeot", "modele": "308",
         "date_entree": vehicle.date_entree.strftime("%d/%m/%Y")},
    )  # fmt: skip
    assert response.status_code == 302  # saved
    assert not AttestationRequest.objects.exists()


def test_the_product_page_sets_it_for_beneficiary_models_only(as_superuser, offer):
    change = reverse("intranet:products_product_change", args=[offer.contract.product_id])
    data = _form_data(as_superuser.get(change))
    rows = {data[f"attestation_models-{i}-id"]: i for i in range(2)}
    contract_row = rows[str(offer.contract_model.pk)]
    data[f"attestation_models-{contract_row}-generate_on_entry"] = "on"
    response = as_superuser.post(change, data)
    assert response.status_code == 200  # the form again
    assert "Seul un modèle lié au bénéficiaire peut être généré à son entrée." in page_text(
        response
    )
    assert not ProductAttestationModel.objects.get(pk=offer.contract_model.pk).generate_on_entry
