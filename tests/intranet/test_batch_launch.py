"""« Attestations pour tous les bénéficiaires » on a contract's intranet page: staff choose the
model and the values, one attestation per current vehicle, shared at once."""

import pytest
from django.urls import reverse

from documents.models import AttestationBatch, AttestationRequest, Document
from tasks.models import Task
from tests.documents.batch_helpers import PLATES, fleet_grow
from tests.documents.request_helpers import fleet_offer_make, unpaid_contract_make
from tests.documents.validation_helpers import validation_template_make
from tests.helpers import page_text, page_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(client_a):
    offer = fleet_offer_make(client_a, green_card=True)
    fleet_grow(offer)
    return offer


def launch_url(contract):
    return reverse("intranet:contracts_contract_attestation_batch", args=[contract.pk])


VALUES = {"champ_motif": "Salon", "champ_date_debut": "01/12/2026", "champ_date_fin": "03/12/2026"}


def test_the_contract_page_offers_the_button(as_staff, offer):
    response = as_staff.get(reverse("intranet:contracts_contract_change", args=[offer.contract.pk]))
    assert page_tree(response).xpath(f"//a[@href='{launch_url(offer.contract)}']")


def test_staff_launch_one_attestation_per_vehicle_shared_at_once(
    as_staff, offer, staff_user, other_staff, django_capture_on_commit_callbacks
):
    validation_template_make(other_staff)  # an extranet validation: not for staff's own batch
    page = as_staff.get(launch_url(offer.contract))
    options = page_tree(page).xpath("//select[@name='modele']/option")
    assert [o.text_content() for o in options] == [
        "Attestation pour un événement",
        "Carte verte provisoire",
    ]
    assert "Motif du déplacement" in page_text(page)

    with django_capture_on_commit_callbacks(execute=True):
        response = as_staff.post(
            launch_url(offer.contract),
            {"modele": str(offer.vehicle_model.pk), "action": "Générer", **VALUES},
        )
    assert response.status_code == 302
    assert response.url == reverse("intranet:contracts_contract_change", args=[offer.contract.pk])
    batch = AttestationBatch.objects.get()
    assert batch.origin == AttestationBatch.Origin.INTRANET and batch.user == staff_user
    assert not batch.needs_validation and not Task.objects.exists()
    requests = AttestationRequest.objects.filter(batch=batch)
    assert sorted(requests.values_list("beneficiary__immatriculation", flat=True)) == sorted(PLATES)
    assert set(requests.values_list("status", flat=True)) == {AttestationRequest.Status.READY}
    assert Document.objects.filter(shared_on_extranet=True).count() == 3
    followed = as_staff.get(response.url)
    assert "une attestation pour chacun des 3 véhicules en cours" in page_text(followed)


def test_another_model_is_chosen_without_sending(as_staff, offer):
    response = as_staff.post(
        launch_url(offer.contract), {"modele": str(offer.green_card.pk), "action": "refresh"}
    )
    assert response.status_code == 200
    assert "Motif du déplacement" not in page_text(response)  # the green card has no field
    assert not AttestationBatch.objects.exists()


def test_an_unpaid_contract_is_refused_with_its_reason(as_staff, offer):
    unpaid = unpaid_contract_make(offer.contract.client, offer.contract.product)
    response = as_staff.post(
        launch_url(unpaid), {"modele": str(offer.vehicle_model.pk), "action": "Générer", **VALUES}
    )
    assert response.status_code == 200
    assert "n'est pas entièrement réglée" in page_text(response)
    assert not AttestationBatch.objects.exists()


def test_who_may_launch(client, offer, carol, client_a_user):
    url = launch_url(offer.contract)
    assert client.get(url)["Location"].startswith("/intranet/login/")  # anonymous
    client.force_login(client_a_user)  # an extranet account never reaches the intranet
    assert client.get(url)["Location"].startswith("/intranet/login/")
    client.force_login(carol)  # staff without the right
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "Générer", **VALUES}).status_code == 403
    assert not AttestationBatch.objects.exists()


def test_wrong_method_and_unknown_contract(as_staff, offer):
    assert as_staff.put(launch_url(offer.contract)).status_code == 405
    missing = reverse("intranet:contracts_contract_attestation_batch", args=[987654])
    assert as_staff.get(missing).status_code == 404
