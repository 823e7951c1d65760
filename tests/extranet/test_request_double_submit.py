"""« Envoyer la demande » pressed twice makes one request: the button is disabled once pressed,
and the server drops the same request sent again by the same account seconds later, even
when both arrive at once."""

import datetime
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from documents.attestations.jobs import in_process_jobs_wait
from documents.attestations.submit import RequestAlreadySent, attestation_request_submit
from documents.models import AttestationRequest
from tests import factories
from tests.documents.request_helpers import EVENT_VALUES, fleet_offer_make
from tests.helpers import page_text, page_tree, run_at_once

ALREADY_SENT = "Cette demande vient d'être envoyée."


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


def form_url(contract) -> str:
    return reverse("extranet:attestation_request_new", args=[contract.pk])


def post_data(offer, **overrides) -> dict:
    return {
        "beneficiaire": str(offer.vehicle.pk),
        "modele": str(offer.vehicle_model.pk),
        "champ_motif": "Salon de l'auto",
        "champ_date_debut": "01/12/2026",
        "champ_date_fin": "03/12/2026",
        "action": "send",
        **overrides,
    }


def test_the_send_button_is_disabled_once_pressed_and_still_posts_without_javascript(as_a, offer):
    tree = page_tree(as_a.get(form_url(offer.contract)))

    (form,) = tree.xpath("//form[@id='attestation-form']")
    (button,) = form.xpath(".//button[@value='send']")
    assert button.get("type") == "submit" and button.get("disabled") is None
    # The page loads the script that does it (a file: the CSP allows no inline handler).
    assert tree.xpath("//script[contains(@src, 'extranet/request-form.js')]")
    handler = Path(finders.find("extranet/request-form.js")).read_text()
    assert "dataset.sending" in handler  # a second submit is stopped
    assert "disabled = true" in handler  # and the button shows it


def test_the_same_request_sent_twice_in_a_row_makes_one(as_a, offer):
    first = as_a.post(form_url(offer.contract), post_data(offer))
    again = as_a.post(form_url(offer.contract), post_data(offer), follow=True)

    (request,) = AttestationRequest.objects.all()
    status_url = reverse("extranet:attestation_request", args=[request.pk])
    assert first["Location"] == status_url
    assert again.redirect_chain == [(status_url, 302)]
    assert ALREADY_SENT in page_text(again)


def test_a_different_value_makes_a_second_request(as_a, offer):
    as_a.post(form_url(offer.contract), post_data(offer))
    as_a.post(form_url(offer.contract), post_data(offer, champ_motif="Rallye des Cévennes"))

    assert AttestationRequest.objects.count() == 2


def test_the_same_request_later_is_a_new_one(as_a, offer, settings):
    settings.ATTESTATION_DUPLICATE_SECONDS = 10
    as_a.post(form_url(offer.contract), post_data(offer))
    AttestationRequest.objects.update(
        created_at=AttestationRequest.objects.get().created_at - datetime.timedelta(seconds=11)
    )

    as_a.post(form_url(offer.contract), post_data(offer))

    assert AttestationRequest.objects.count() == 2


def test_the_same_request_from_a_colleague_is_a_new_one(client, client_a, offer, client_a_user):
    colleague = factories.UserFactory(username="paul@dupont.fr", email="paul@dupont.fr")
    factories.ExtranetAccessFactory(user=colleague, client=client_a)
    for user in (client_a_user, colleague):
        client.force_login(user)
        client.post(form_url(offer.contract), post_data(offer))

    assert AttestationRequest.objects.count() == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_make_one(client_a, client_a_user):
    offer = fleet_offer_make(client_a)

    def send():
        try:
            return attestation_request_submit(
                user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
                product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
            )  # fmt: skip
        except RequestAlreadySent as already:
            return already

    results, errors = run_at_once(send, 2)
    assert in_process_jobs_wait(timeout=60)  # the generation sent after the commit

    assert errors == []
    (request,) = AttestationRequest.objects.all()
    (created,) = [r for r in results if isinstance(r, AttestationRequest)]
    (already,) = [r for r in results if isinstance(r, RequestAlreadySent)]
    assert created.pk == already.request.pk == request.pk
