"""On a slow connection, the request form's redraws may come back in any order: the client's
last choice always wins, never a model shown without its fields (or fields of another).

The redraws are held in the browser (``page.route``: the server answers at once, the page gets
the answer when the test says) and given back in either order. The one that went wrong: the
redraw of the vehicle coming back first drew the form for the vehicle with the former model,
and the later redraw of the model, aimed at a form no longer in the page, was lost.
"""

import contextlib
import time

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import log_in
from tests.documents.request_helpers import fleet_offer_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARLIE = "charlie@dupont.fr"  # client_a_user
LATE_SECONDS = 0.8


class HeldRedraws:
    """Holds every redraw of the form in the browser: the server answers at once, the page gets
    the answer when the test releases it."""

    def __init__(self, page, url: str):
        self.page, self.held = page, []
        page.route(f"**{url}", self._hold)

    def _hold(self, route) -> None:
        request = route.request
        if request.method == "POST" and request.headers.get("hx-request"):
            self.held.append((route, route.fetch()))
        else:
            route.continue_()

    def wait_until_sent(self, count: int) -> None:
        deadline = time.monotonic() + 5
        while len(self.held) < count and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)
        assert len(self.held) == count, f"{len(self.held)} redraws sent, {count} expected"

    def release(self, index: int) -> None:
        route, response = self.held[index]
        # The page may have given that request up already (a newer choice replaced it).
        with contextlib.suppress(PlaywrightError):
            route.fulfill(response=response)


@pytest.fixture
def form(page, live_server, client_a, client_a_user):
    """The request form of client A's fleet contract (two vehicles, three models), open for the
    first vehicle with ``modele`` chosen: (page, offer, other vehicle, url)."""
    offer = fleet_offer_make(client_a, green_card=True)
    other = factories.VehicleFactory(
        contract=offer.contract, immatriculation="KL-789-MN", marque="Renault", modele="Kangoo"
    )
    url = reverse("extranet:attestation_request_new", args=[offer.contract.pk])
    log_in(page, live_server, CHARLIE)

    def open_with(model) -> None:
        page.goto(f"{live_server.url}{url}?beneficiaire={offer.vehicle.pk}&modele={model.pk}")
        expect(page.locator("select[name=modele]")).to_have_value(str(model.pk))

    return offer, other, url, open_with


@pytest.mark.parametrize("late", ["vehicle", "model"])
def test_the_last_choice_wins_whichever_redraw_comes_back_late(page, shots, form, late):
    offer, other, url, open_with = form
    open_with(offer.green_card)  # a model without fields
    vehicles = page.locator("select[name=beneficiaire]")
    models = page.locator("select[name=modele]")
    redraws = HeldRedraws(page, url)

    # Another vehicle, then at once the model with fields, before the first redraw is back.
    vehicles.select_option(str(other.pk))
    redraws.wait_until_sent(1)
    models.select_option(str(offer.vehicle_model.pk))
    redraws.wait_until_sent(2)

    first, then = (1, 0) if late == "vehicle" else (0, 1)
    redraws.release(first)
    page.wait_for_timeout(LATE_SECONDS * 1000)
    redraws.release(then)
    page.wait_for_timeout(500)  # time for the late answer to be drawn, if it ever is
    shots(page, f"{late}-en-retard")

    # The vehicle and the model last chosen, and that model's fields.
    expect(page.locator("#attestation-form")).to_have_count(1)
    expect(vehicles).to_have_value(str(other.pk), timeout=3_000)
    expect(models).to_have_value(str(offer.vehicle_model.pk), timeout=3_000)
    expect(page.get_by_label("Motif du déplacement")).to_be_visible(timeout=3_000)
    expect(page.get_by_label("Date de fin")).to_be_visible(timeout=3_000)


def test_a_second_choice_on_the_same_list_is_not_dropped(page, shots, form):
    """Back to the first vehicle while the redraw for the other is on its way."""
    offer, other, url, open_with = form
    open_with(offer.vehicle_model)
    vehicles = page.locator("select[name=beneficiaire]")
    page.get_by_label("Motif du déplacement").fill("Rallye des Alpes")
    redraws = HeldRedraws(page, url)

    vehicles.select_option(str(other.pk))
    redraws.wait_until_sent(1)
    vehicles.select_option(str(offer.vehicle.pk))
    redraws.wait_until_sent(2)  # sent, not dropped behind the first
    redraws.release(1)
    page.wait_for_timeout(LATE_SECONDS * 1000)
    redraws.release(0)
    page.wait_for_timeout(500)
    shots(page, "meme-liste")

    expect(vehicles).to_have_value(str(offer.vehicle.pk), timeout=3_000)
    expect(page.get_by_label("Motif du déplacement")).to_have_value("Rallye des Alpes")
