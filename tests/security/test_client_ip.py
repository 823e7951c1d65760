"""The client's address: from X-Forwarded-For only when the request comes from a trusted
proxy, and then the right-most address that is not one of ours."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from modulr.http import client_ip

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's
PROXY = "10.0.0.5"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::1"]


def request_from(remote_addr, forwarded=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_a_header_from_an_untrusted_address_is_ignored(behind_proxy):
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_no_trusted_proxy_by_default_so_the_header_is_always_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request_from(PROXY, "198.51.100.1")) == PROXY


def test_from_a_trusted_proxy_the_right_most_untrusted_address(behind_proxy):
    # The client wrote « 1.2.3.4 » itself; nginx appended the address it saw, then a second
    # proxy of ours its own.
    request = request_from(PROXY, "1.2.3.4, 198.51.100.9, 10.0.0.6")
    assert client_ip(request) == "198.51.100.9"


def test_trusted_proxy_over_ipv6_and_a_malformed_header(behind_proxy):
    assert client_ip(request_from("fd00::1", "2001:db8::7")) == "2001:db8::7"
    # Garbage where an address should be: the last address we could trust.
    assert client_ip(request_from(PROXY, "pas-une-adresse, 10.0.0.6")) == "10.0.0.6"
    assert client_ip(request_from(PROXY, "")) == PROXY
    assert client_ip(request_from(PROXY)) == PROXY


def login(client, forwarded, password, remote_addr=PROXY):
    return client.post(
        reverse("extranet:login"),
        {"username": "charlie@dupont.fr", "password": password},
        REMOTE_ADDR=remote_addr,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_the_proxy_a_lockout_locks_one_address_not_the_others(
    client, client_a_user, behind_proxy
):
    for _attempt in range(5):
        login(client, "198.51.100.1", "mauvais")
    assert login(client, "198.51.100.1", PASSWORD).status_code == 429
    # The same account from another address behind the same proxy still gets in.
    assert login(client, "198.51.100.2", PASSWORD).status_code == 302


def test_a_spoofed_header_does_not_escape_a_lockout(client, client_a_user, behind_proxy):
    for attempt in range(5):
        login(client, f"198.51.100.{attempt}", "mauvais", remote_addr="203.0.113.7")
    assert login(client, "198.51.100.99", PASSWORD, remote_addr="203.0.113.7").status_code == 429


def test_https_is_believed_from_the_trusted_proxy_only(client, db, behind_proxy, settings):
    settings.SECURE_SSL_REDIRECT = True
    login_page = reverse("extranet:login")
    spoofed = client.get(login_page, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.7")
    assert spoofed.status_code == 301
    assert spoofed.url.startswith("https://")
    proxied = client.get(login_page, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=PROXY)
    assert proxied.status_code == 200
