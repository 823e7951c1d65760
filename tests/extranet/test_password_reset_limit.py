"""« Mot de passe oublié » is limited per address and per client address: past the limit the
page answers the same, and no e-mail leaves."""

import pytest
from django.urls import reverse

URL = reverse("extranet:password_reset")
DONE = reverse("extranet:password_reset_done")


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.PASSWORD_RESET_PER_HOUR = 5


def ask(client, email, remote_addr="192.0.2.10", **extra):
    response = client.post(URL, {"email": email}, REMOTE_ADDR=remote_addr, **extra)
    assert response.status_code == 302  # the same answer, limited or not
    assert response.url == DONE
    return response


def test_per_email_address(client, client_a_user, mailoutbox):
    for attempt in range(5):
        ask(client, "charlie@dupont.fr", remote_addr=f"192.0.2.{attempt + 1}")
    assert len(mailoutbox) == 5
    # The same address, however written and from wherever: nothing more leaves.
    ask(client, " Charlie@Dupont.FR", remote_addr="198.51.100.7")
    assert len(mailoutbox) == 5


def test_per_client_address(client, client_a_user, client_b_user, mailoutbox):
    for n in range(5):
        ask(client, f"inconnu-{n}@exemple.fr")
    ask(client, "charlie@dupont.fr")
    assert mailoutbox == []
    # Another client address is not held back by that one.
    ask(client, "diane@leroy.fr", remote_addr="192.0.2.99")
    assert [m.to for m in mailoutbox] == [["diane@leroy.fr"]]


def test_per_client_address_behind_the_proxy(client, client_a_user, mailoutbox, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for n in range(5):
        ask(client, f"inconnu-{n}@exemple.fr", "10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.10")
    ask(client, "charlie@dupont.fr", "10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert mailoutbox == []
    ask(client, "charlie@dupont.fr", "10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.11")
    assert len(mailoutbox) == 1
