"""Login by e-mail, lockout after 5 failures, logout by POST, password reset by e-mail."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.helpers import page_text

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's


def login(client, email, password, **extra):
    return client.post(
        reverse("extranet:login"), {"username": email, "password": password}, **extra
    )


def test_login_page_is_french_and_labelled(client, db):
    html = client.get(reverse("extranet:login")).content.decode()
    assert '<html lang="fr">' in html
    assert 'name="viewport"' in html
    assert re.search(r'<label for="id_username">Adresse e-mail</label>', html)
    assert re.search(r'<label for="id_password">Mot de passe</label>', html)
    assert 'type="email"' in html
    assert "Mot de passe oublié ?" in html


def test_client_logs_in_with_email_and_lands_on_contracts(client, client_a_user, contract_a):
    response = login(client, "charlie@dupont.fr", PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("extranet:home")
    assert "FL-2026-0001" in page_text(response)


def test_email_is_case_insensitive(client, client_a_user):
    response = login(client, "  Charlie@DUPONT.fr ", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(client_a_user.pk)


def test_login_follows_a_safe_next_only(client, client_a_user, contract_a):
    documents = reverse("extranet:contract_documents", args=[contract_a.pk])
    response = client.post(
        reverse("extranet:login") + f"?next={documents}",
        {"username": "charlie@dupont.fr", "password": PASSWORD, "next": documents},
    )
    assert response.url == documents
    client.logout()
    response = client.post(
        reverse("extranet:login"),
        {"username": "charlie@dupont.fr", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("extranet:home")


def test_wrong_password_says_so_in_french(client, client_a_user):
    response = login(client, "charlie@dupont.fr", "mauvais")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in page_text(response)
    assert "_auth_user_id" not in client.session


def test_staff_account_cannot_log_into_the_extranet(client, staff_user):
    response = login(client, "alice@cabinet.fr", PASSWORD)
    assert response.status_code == 200
    assert "compte du cabinet" in page_text(response)
    assert "_auth_user_id" not in client.session


def test_account_without_access_cannot_log_in(client, db):
    factories.UserFactory(username="perdu@exemple.fr", email="perdu@exemple.fr")
    response = login(client, "perdu@exemple.fr", PASSWORD)
    assert response.status_code == 200
    assert "n'a accès à aucun contrat" in page_text(response)
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_with_the_right_password(client, client_a_user):
    for _attempt in range(4):
        assert login(client, "charlie@dupont.fr", "mauvais").status_code == 200
    fifth = login(client, "charlie@dupont.fr", "mauvais")
    assert fifth.status_code == 429
    response = login(client, "charlie@dupont.fr", PASSWORD)
    assert response.status_code == 429
    html = page_text(response)
    assert "Trop de tentatives de connexion" in html
    assert "Réessayez dans 15 minutes." in html
    assert "_auth_user_id" not in client.session
    # Another spelling of the same address is the same account: still locked.
    assert login(client, "CHARLIE@dupont.fr", PASSWORD).status_code == 429


def test_lockout_is_per_address_and_ip(client, client_a_user, client_b_user):
    for _attempt in range(5):
        login(client, "charlie@dupont.fr", "mauvais")
    # Someone else from the same IP, and the same person from another IP, still get in.
    assert login(client, "diane@leroy.fr", PASSWORD).status_code == 302
    client.logout()
    assert login(client, "charlie@dupont.fr", PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_a_success_resets_the_failure_count(client, client_a_user):
    for _attempt in range(4):
        login(client, "charlie@dupont.fr", "mauvais")
    assert login(client, "charlie@dupont.fr", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert login(client, "charlie@dupont.fr", "mauvais").status_code == 200


def test_logout_is_a_post(client, client_a_user):
    client.force_login(client_a_user)
    assert client.get(reverse("extranet:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("extranet:logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("extranet:login")
    assert "Vous êtes déconnecté." in page_text(response)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("extranet:home")).status_code == 302


def test_every_page_offers_logout_to_a_logged_in_client(client, client_a_user):
    client.force_login(client_a_user)
    html = client.get(reverse("extranet:home")).content.decode()
    assert f'action="{reverse("extranet:logout")}"' in html
    assert "Se déconnecter" in html


# --- Password reset -----------------------------------------------------------------------------


def _reset_link(mail) -> str:
    match = re.search(r"https?://\S+/extranet/mot-de-passe/\S+/\S+/", mail.body)
    assert match, mail.body
    return match.group(0)


def test_password_reset_by_email_end_to_end(client, client_a_user, mailoutbox, settings):
    settings.SITE_URL = "https://espace.cabinet-martin.fr"
    response = client.post(
        reverse("extranet:password_reset"),
        {"email": "Charlie@Dupont.fr"},
        HTTP_HOST="localhost",  # the Host header never builds the link
        follow=True,
    )
    assert "Vérifiez votre messagerie" in page_text(response)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["charlie@dupont.fr"]
    assert mail.subject == "Réinitialisation de votre mot de passe – espace client"
    assert "Bonjour," in mail.body
    assert "Cabinet Martin Courtage" in mail.body
    link = _reset_link(mail)
    assert link.startswith("https://espace.cabinet-martin.fr/extranet/mot-de-passe/")
    assert "localhost" not in mail.body

    path = link.removeprefix("https://espace.cabinet-martin.fr")
    form = client.get(path, follow=True)
    assert "Choisissez un nouveau mot de passe" in page_text(form)
    set_password_url = form.redirect_chain[-1][0]
    done = client.post(
        set_password_url,
        {"new_password1": "Nouveau-secret-2026", "new_password2": "Nouveau-secret-2026"},
        follow=True,
    )
    assert "Mot de passe modifié" in page_text(done)
    assert login(client, "charlie@dupont.fr", "Nouveau-secret-2026").status_code == 302
    client.logout()
    # The link served once.
    assert "Lien expiré ou déjà utilisé" in page_text(client.get(path, follow=True))


def test_password_reset_unlocks_a_locked_out_account(client, client_a_user, mailoutbox):
    for _attempt in range(5):
        login(client, "charlie@dupont.fr", "mauvais")
    assert login(client, "charlie@dupont.fr", PASSWORD).status_code == 429
    client.post(reverse("extranet:password_reset"), {"email": "charlie@dupont.fr"})
    path = re.sub(r"^https?://[^/]+", "", _reset_link(mailoutbox[0]))
    set_password_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(
        set_password_url,
        {"new_password1": "Nouveau-secret-2026", "new_password2": "Nouveau-secret-2026"},
    )
    assert login(client, "charlie@dupont.fr", "Nouveau-secret-2026").status_code == 302


@pytest.mark.parametrize("email", ["alice@cabinet.fr", "inconnu@exemple.fr"])
def test_password_reset_sends_nothing_to_staff_or_strangers_and_says_the_same(
    client, staff_user, client_a_user, mailoutbox, email
):
    response = client.post(reverse("extranet:password_reset"), {"email": email})
    assert response.status_code == 302
    assert response.url == reverse("extranet:password_reset_done")
    assert mailoutbox == []
