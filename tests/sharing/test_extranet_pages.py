"""The client's side: « Envoyer à un tiers » (form, one-click recipients, confirmation,
history) and « Mes destinataires »."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sharing.models import DocumentSend, Recipient, Role
from tests import factories
from tests.helpers import page_text, page_tree

from .helpers import attestation_make, recipient_make, send_make


def send_url(document, **query):
    url = reverse("extranet:document_send", args=[document.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


FORM = {
    "nom": "SCI Les Tilleuls",
    "email": "contact@sci-tilleuls.fr",
    "role": Role.BAILLEUR,
    "message": "Bonjour, voici l'attestation pour le bail.",
}


# -- the form ---------------------------------------------------------------------------------


def test_the_form_offers_the_address_book_in_one_click(as_a, attestation_a, client_a, client_b):
    roux = recipient_make(client_a, name="M. Roux", email="roux@btp.fr", role=Role.MAITRE_OUVRAGE)
    recipient_make(client_b, name="Voisin de B", email="b@exemple.fr")

    response = as_a.get(send_url(attestation_a))

    assert response.status_code == 200
    tree = page_tree(response)
    choices = tree.xpath('//*[@id="carnet"]//a')
    assert [a.text_content().split("–")[0].strip() for a in choices] == ["M. Roux"]
    assert choices[0].get("href") == f"?destinataire={roux.pk}#envoi"
    assert "Voisin de B" not in page_text(response)
    assert tree.xpath('//input[@name="nom"]')[0].get("value") is None


def test_a_recipient_chosen_pre_fills_the_form_without_javascript(as_a, attestation_a, client_a):
    roux = recipient_make(client_a, name="M. Roux", email="roux@btp.fr", role=Role.MAITRE_OUVRAGE)

    tree = page_tree(as_a.get(send_url(attestation_a, destinataire=roux.pk)))

    assert tree.xpath('//input[@name="nom"]')[0].get("value") == "M. Roux"
    assert tree.xpath('//input[@name="email"]')[0].get("value") == "roux@btp.fr"
    assert tree.xpath('//input[@name="role"][@checked]')[0].get("value") == "maitre_ouvrage"
    assert tree.xpath('//*[@id="carnet"]//a[@aria-current="true"]')


def test_another_clients_recipient_pre_fills_nothing(as_a, attestation_a, client_b):
    theirs = recipient_make(client_b, name="Secret de B", email="secret@b.fr")
    response = as_a.get(send_url(attestation_a, destinataire=theirs.pk))
    assert response.status_code == 200
    assert "secret@b.fr" not in response.content.decode()
    assert page_tree(response).xpath('//input[@name="email"]')[0].get("value") is None


@pytest.mark.parametrize("value", ["abc", "", "99999"])
def test_a_malformed_recipient_id_pre_fills_nothing(as_a, attestation_a, value):
    assert as_a.get(send_url(attestation_a, destinataire=value)).status_code == 200


def test_sending_confirms_and_shows_the_send_in_the_history(
    as_a, attestation_a, client_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_a.post(send_url(attestation_a), {**FORM, "copie": "on"})

    assert response.status_code == 302 and response.url == send_url(attestation_a)
    page = page_text(as_a.get(response.url))
    expires = timezone.localdate(DocumentSend.objects.get().expires_at).strftime("%d/%m/%Y")
    assert (
        "L'attestation n° ATT-2026-000010 a été envoyée à SCI Les Tilleuls "
        f"(contact@sci-tilleuls.fr). Le lien est valable jusqu'au {expires}. "
        "Une copie vous a été envoyée, sans le lien."
    ) in page
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Envoyée à SCI Les Tilleuls (Bailleur, contact@sci-tilleuls.fr) le {today}" in page
    assert "Pas encore ouverte, pas encore téléchargée." in page
    assert [m.to for m in mailoutbox] == [["contact@sci-tilleuls.fr"], ["charlie@dupont.fr"]]
    assert Recipient.objects.get(client=client_a).name == "SCI Les Tilleuls"


def test_an_invalid_form_says_why_and_sends_nothing(as_a, attestation_a, mailoutbox):
    response = as_a.post(send_url(attestation_a), {**FORM, "email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide." in page_text(response)
    assert not DocumentSend.objects.exists() and mailoutbox == []


def test_the_hourly_limit_shows_on_the_form(as_a, attestation_a, settings):
    settings.SEND_RATE_LIMIT = 0
    response = as_a.post(send_url(attestation_a), FORM)
    assert response.status_code == 200
    assert "réessayez dans une heure" in page_text(response)
    assert not DocumentSend.objects.exists()


def test_a_revoked_attestation_shows_why_and_no_form(as_a, attestation_a):
    attestation_a.revoked_at = timezone.now()
    attestation_a.save()
    response = as_a.get(send_url(attestation_a))
    assert "révoquée par le cabinet : elle ne peut plus être envoyée" in page_text(response)
    assert not page_tree(response).xpath("//form[@id='envoi']")
    assert as_a.post(send_url(attestation_a), FORM).status_code == 200
    assert not DocumentSend.objects.exists()


def test_the_send_page_query_budget(
    as_a, attestation_a, client_a, client_a_user, django_assert_max_num_queries
):
    for i in range(30):
        recipient_make(client_a, name=f"Destinataire {i}", email=f"d{i}@exemple.fr")
        send_make(attestation_a, sent_by=client_a_user, recipient_email=f"d{i}@exemple.fr")
    # 1 session, 2 user, 3 clients of the account, 4 the document with its contract,
    # 5 the address book, 6 the sends with who sent each, 7 cabinet name for the header.
    with django_assert_max_num_queries(7):
        response = as_a.get(send_url(attestation_a))
    assert page_text(response).count("Envoyée à ") == 30


# -- where the button and the history show -----------------------------------------------------


def test_the_documents_tab_offers_sending_for_attestations_only(as_a, contract_a, document_a):
    attestation = attestation_make(contract_a)
    revoked = attestation_make(contract_a, numero="ATT-2026-000012")
    revoked.revoked_at = timezone.now()
    revoked.save()

    tree = page_tree(as_a.get(reverse("extranet:contract_documents", args=[contract_a.pk])))

    hrefs = {a.get("href") for a in tree.xpath("//a[normalize-space()='Envoyer à un tiers']")}
    assert hrefs == {send_url(attestation)}  # not the plain document, not the revoked one


def test_the_request_page_shows_the_sends_of_its_attestation(
    as_a, contract_a, client_a_user, attestation_a
):
    from documents.models import AttestationRequest

    request = AttestationRequest.objects.create(
        user=client_a_user, contract=contract_a, title="Attestation flotte",
        status=AttestationRequest.Status.READY, document=attestation_a,
    )  # fmt: skip
    send, _token = send_make(attestation_a, sent_by=client_a_user)
    DocumentSend.objects.filter(pk=send.pk).update(
        first_opened_at=send.sent_at, downloaded_at=send.sent_at, opened_count=1, download_count=1
    )

    response = as_a.get(reverse("extranet:attestation_request", args=[request.pk]))

    page = page_text(response)
    when = timezone.localtime(send.sent_at)
    assert "Envois à des tiers" in page
    sent = f"le {when:%d/%m/%Y} à {when:%H:%M}"
    assert (
        f"Envoyée à Agence Immobilière du Parc (Bailleur, gestion@agence-du-parc.fr) {sent}" in page
    )
    assert f"Ouverte le {when:%d/%m/%Y} à {when:%H:%M}, téléchargée le {when:%d/%m/%Y}" in page
    assert page_tree(response).xpath(f"//a[@href='{send_url(attestation_a)}']")


def test_the_nav_links_to_my_recipients(as_a):
    tree = page_tree(as_a.get(reverse("extranet:home")))
    assert tree.xpath(f"//nav//a[@href='{reverse('extranet:recipients')}']")


# -- « Mes destinataires » ----------------------------------------------------------------------


def test_my_recipients_lists_my_clients_only(as_a, client_a, client_b):
    recipient_make(client_a, name="SCI Les Tilleuls", email="contact@sci-tilleuls.fr")
    recipient_make(client_b, name="Voisin de B", email="b@exemple.fr")
    page = page_text(as_a.get(reverse("extranet:recipients")))
    assert "SCI Les Tilleuls contact@sci-tilleuls.fr Bailleur" in page
    assert "Voisin de B" not in page


def test_my_recipients_groups_by_client_when_the_account_reaches_several(
    as_a, client_a_user, client_a, client_b
):
    factories.ExtranetAccessFactory(user=client_a_user, client=client_b)
    recipient_make(client_a, name="Pour A", email="a@exemple.fr")
    recipient_make(client_b, name="Pour B", email="b@exemple.fr")
    page = page_text(as_a.get(reverse("extranet:recipients")))
    assert page.index("Boulangerie Leroy SARL") < page.index("Pour B")
    assert page.index("Transports Dupont SAS") < page.index("Pour A")


def test_my_recipients_query_budget(as_a, client_a, django_assert_max_num_queries):
    for i in range(100):
        recipient_make(client_a, name=f"Destinataire {i}", email=f"d{i}@exemple.fr")
    # 1 session, 2 user, 3 clients of the account, 4 their recipients, 5 cabinet name.
    with django_assert_max_num_queries(5):
        response = as_a.get(reverse("extranet:recipients"))
    assert page_text(response).count("@exemple.fr") == 100


def test_removing_a_recipient_asks_then_removes_and_keeps_the_history(
    as_a, client_a, attestation_a
):
    recipient = recipient_make(client_a)
    send_make(attestation_a)
    url = reverse("extranet:recipient_delete", args=[recipient.pk])

    confirmation = page_text(as_a.get(url))
    assert (
        "Retirer Agence Immobilière du Parc (gestion@agence-du-parc.fr) des destinataires de "
        "Transports Dupont SAS ?"
    ) in confirmation
    assert Recipient.objects.filter(pk=recipient.pk).exists()

    response = as_a.post(url, follow=True)
    assert "Agence Immobilière du Parc (gestion@agence-du-parc.fr) a été retiré" in page_text(
        response
    )
    assert not Recipient.objects.filter(pk=recipient.pk).exists()
    assert DocumentSend.objects.filter(document=attestation_a).count() == 1


def test_client_b_cannot_remove_as_recipient(client, client_b_user, client_a):
    recipient = recipient_make(client_a)
    client.force_login(client_b_user)
    url = reverse("extranet:recipient_delete", args=[recipient.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Recipient.objects.filter(pk=recipient.pk).exists()


def test_line_breaks_count_once_in_the_message(
    as_a, attestation_a, django_capture_on_commit_callbacks
):
    """A browser sends each line break as « \\r\\n »: 1,200 characters sent, 799 typed."""
    with django_capture_on_commit_callbacks(execute=True):
        response = as_a.post(send_url(attestation_a), {**FORM, "message": "a\r\n" * 400})
    assert response.status_code == 302
    assert DocumentSend.objects.get().message == "\n".join(["a"] * 400)

    response = as_a.post(send_url(attestation_a), {**FORM, "message": "b" * 1001})
    assert "Le message est trop long (1000 caractères au plus)." in page_text(response)
    assert page_tree(response).xpath("//ul[@id='id_message_error']")
