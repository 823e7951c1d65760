"""« Envoyer la demande » pressed twice in a real browser: the button is disabled at once and
the form is posted once."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.documents.request_helpers import fleet_offer_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_send_is_disabled_once_pressed(page, live_server, client_a, client_a_user):
    offer = fleet_offer_make(client_a)
    log_in(page, live_server, "charlie@dupont.fr")
    form_url = reverse("extranet:attestation_request_new", args=[offer.contract.pk])
    page.goto(f"{live_server.url}{form_url}")
    page.get_by_label("Véhicule concerné").select_option(label="GH-456-JK – Peugeot 308")
    page.get_by_label("Date de fin").fill("03/12/2026")
    posts = []

    def answer_nothing(route):
        # The POST is answered « 204 No Content »: the browser stays on the form, as it does
        # while a slow server has not answered yet, and the test can look at the button.
        if route.request.method != "POST":
            return route.continue_()
        posts.append(route.request.post_data)
        return route.fulfill(status=204)

    page.route(f"**{form_url}", answer_nothing)
    send = page.get_by_role("button", name="Envoyer la demande")

    send.click()
    expect(send).to_be_disabled()
    send.click(force=True)  # what an impatient client does

    assert len(posts) == 1 and "action=send" in posts[0]
