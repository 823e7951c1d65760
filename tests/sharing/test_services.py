"""« Envoyer à un tiers », the service: who may send what, the limit, the address book, the
token kept as a hash only, and the two e-mails."""

import hashlib
import re

import pytest
from django.utils import timezone

from documents.models import Document
from sharing.models import DocumentSend, Recipient, Role
from sharing.selectors import document_send_refusal
from sharing.services import SendRefused, document_send
from tests.extranet.conftest import make_document

from .helpers import attestation_make

LINK = re.compile(r"https://espace\.martin-courtage\.fr/envoi/([A-Za-z0-9_-]{43})/")


def send(document, user, **overrides):
    arguments = {
        "name": "Agence Immobilière du Parc",
        "email": "gestion@agence-du-parc.fr",
        "role": Role.BAILLEUR,
        "message": "",
        "copy_to_self": False,
        **overrides,
    }
    return document_send(document=document, user=user, **arguments)


@pytest.fixture
def sent(attestation_a, client_a_user, mailoutbox, django_capture_on_commit_callbacks):
    """One send, its e-mails out; the link's token read from the third party's e-mail."""
    client_a_user.first_name, client_a_user.last_name = "Charlie", "Dupont"
    client_a_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        row = send(
            attestation_a,
            client_a_user,
            message="Bonjour,\nvoici l'attestation <b>demandée</b> & signée.\n<script>x()</script>",
            copy_to_self=True,
        )
    return row


# -- who may send what ------------------------------------------------------------------------


def test_a_client_sends_their_attestation(sent, attestation_a, client_a_user):
    assert sent.document == attestation_a
    assert sent.sent_by == client_a_user
    assert (sent.recipient_name, sent.recipient_email) == (
        "Agence Immobilière du Parc",
        "gestion@agence-du-parc.fr",
    )
    assert sent.expires_at - sent.sent_at == timezone.timedelta(days=30)
    assert sent.opened_count == sent.download_count == 0


def test_another_clients_attestation_is_refused(
    attestation_b, client_a_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SendRefused) as refused:
        send(attestation_b, client_a_user)
    assert refused.value.message == "Cette attestation n'est pas disponible."
    assert not DocumentSend.objects.exists() and not Recipient.objects.exists()
    assert mailoutbox == []


def test_staff_are_not_clients_and_send_nothing(attestation_a, staff_user):
    with pytest.raises(SendRefused):
        send(attestation_a, staff_user)


def test_a_document_waiting_for_validation_is_refused(contract_a, client_a_user):
    pending = attestation_make(contract_a, shared=False)
    assert "attend la validation du cabinet" in document_send_refusal(pending)
    with pytest.raises(SendRefused):
        send(pending, client_a_user)
    assert not DocumentSend.objects.exists()


def test_a_document_that_is_not_an_attestation_is_refused(document_a, client_a_user):
    with pytest.raises(SendRefused) as refused:
        send(document_a, client_a_user)
    assert refused.value.message == "Seules les attestations peuvent être envoyées à un tiers."


def test_a_revoked_attestation_is_refused_with_a_french_reason(attestation_a, client_a_user):
    attestation_a.revoked_at = timezone.now()
    attestation_a.save()
    with pytest.raises(SendRefused) as refused:
        send(attestation_a, client_a_user)
    assert refused.value.message == (
        "Cette attestation a été révoquée par le cabinet : elle ne peut plus être envoyée."
    )


def test_a_replaced_attestation_names_the_new_one(attestation_a, contract_a, client_a_user):
    new = attestation_make(contract_a, numero="ATT-2026-000011")
    attestation_a.replaced_by = new
    attestation_a.save()
    # The page the form came from was loaded before the re-issue: the service reads again.
    stale = Document.objects.get(pk=attestation_a.pk)
    stale.replaced_by = None
    with pytest.raises(SendRefused) as refused:
        send(stale, client_a_user)
    assert refused.value.message == (
        "Cette attestation a été remplacée par l'attestation n° ATT-2026-000011 : envoyez la "
        "nouvelle."
    )


def test_an_expired_attestation_may_still_be_sent(contract_a, client_a_user):
    """Proof of a past cover: the third party's page says it expired."""
    expired = attestation_make(contract_a)
    expired.valid_until = timezone.localdate() - timezone.timedelta(days=2)
    expired.save()
    assert send(expired, client_a_user).pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "nom"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"email": "a@b.fr\nBcc: x@y.fr"}, "email"),
        ({"role": "proprietaire"}, "role"),
        ({"message": "x" * 1001}, "message"),
    ],
)
def test_input_is_checked_again(attestation_a, client_a_user, overrides, field):
    with pytest.raises(SendRefused) as refused:
        send(attestation_a, client_a_user, **overrides)
    assert refused.value.field == field
    assert not DocumentSend.objects.exists()


def test_past_the_hourly_limit_sends_are_refused(
    attestation_a, client_a_user, client_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SEND_RATE_LIMIT = 2
    other = client_a_user.__class__.objects.create(username="eve@dupont.fr", email="eve@dupont.fr")
    other.extranet_accesses.create(client=client_a)
    with django_capture_on_commit_callbacks(execute=True):
        send(attestation_a, client_a_user)
        send(attestation_a, client_a_user, email="b@exemple.fr")
        with pytest.raises(SendRefused) as refused:
            send(attestation_a, client_a_user, email="c@exemple.fr")
        send(attestation_a, other, email="d@exemple.fr")  # per account
    assert "réessayez dans une heure" in refused.value.message
    assert DocumentSend.objects.count() == 3
    assert len(mailoutbox) == 3


# -- the address book -------------------------------------------------------------------------


def test_the_address_book_keeps_one_entry_per_address_updated_by_each_send(
    attestation_a, attestation_b, client_a_user, client_b_user, client_a, client_b
):
    send(attestation_a, client_a_user)
    send(
        attestation_a,
        client_a_user,
        name="Agence du Parc (M. Roux)",
        email="  Gestion@Agence-du-Parc.FR ",
        role=Role.AUTRE,
    )
    send(attestation_b, client_b_user)  # B's own book

    (entry,) = Recipient.objects.filter(client=client_a)
    assert (entry.name, entry.email, entry.role) == (
        "Agence du Parc (M. Roux)",
        "gestion@agence-du-parc.fr",
        Role.AUTRE,
    )
    assert Recipient.objects.filter(client=client_b).count() == 1
    assert DocumentSend.objects.filter(document=attestation_a).count() == 2


# -- the token and the e-mails ----------------------------------------------------------------


def test_only_the_tokens_hash_is_stored(sent, mailoutbox):
    third_party = mailoutbox[0]
    (token,) = set(LINK.findall(third_party.body))
    assert sent.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = DocumentSend.objects.filter(pk=sent.pk).values().get()
    assert not any(token in str(value) for value in row.values())


def test_the_third_party_gets_the_link_in_the_cabinets_name(sent, mailoutbox, attestation_a):
    third_party, copy = mailoutbox
    assert third_party.to == ["gestion@agence-du-parc.fr"]
    assert third_party.from_email.startswith('"Cabinet Martin Courtage" <')
    assert third_party.subject == (
        "Cabinet Martin Courtage vous transmet l'attestation n° ATT-2026-000010"
    )
    body = third_party.body
    assert body.startswith("Bonjour Agence Immobilière du Parc,\n")
    assert "Transports Dupont SAS" in body and "ATT-2026-000010" in body
    assert "lien valable 30 jours, jusqu'au " in body
    assert len(LINK.findall(body)) == 1
    # The client's message as typed, in plain text.
    assert "voici l'attestation <b>demandée</b> & signée.\n<script>x()</script>" in body
    assert "modulr" not in body


def test_the_message_is_escaped_in_the_html_part(sent, mailoutbox):
    ((html, mimetype),) = mailoutbox[0].alternatives
    assert mimetype == "text/html"
    assert "voici l&#x27;attestation &lt;b&gt;demandée&lt;/b&gt; &amp; signée." in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "<b>" not in html and "<script" not in html
    assert "Bonjour,<br>" in html  # line breaks kept
    (token,) = set(LINK.findall(mailoutbox[0].body))
    assert f'href="https://espace.martin-courtage.fr/envoi/{token}/"' in html


def test_the_senders_copy_says_to_whom_and_when_without_the_link(sent, mailoutbox):
    third_party, copy = mailoutbox
    (token,) = set(LINK.findall(third_party.body))
    assert copy.to == ["charlie@dupont.fr"]
    assert (
        copy.subject
        == "Copie : attestation n° ATT-2026-000010 envoyée à Agence Immobilière du Parc"
    )
    assert "Bonjour Charlie Dupont," in copy.body
    assert "gestion@agence-du-parc.fr, Bailleur" in copy.body
    when = timezone.localtime(sent.sent_at)
    assert f"le {when:%d/%m/%Y} à {when:%H:%M}" in copy.body
    for part in (copy.body, copy.alternatives[0][0]):
        assert token not in part and "/envoi/" not in part
    assert f"/extranet/documents/{sent.document_id}/envoyer/" in copy.body


def test_no_copy_unless_asked(
    attestation_a, client_a_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(attestation_a, client_a_user)
    assert [mail.to for mail in mailoutbox] == [["gestion@agence-du-parc.fr"]]


def test_nothing_leaves_before_the_commit(
    attestation_a, client_a_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(attestation_a, client_a_user)
    assert mailoutbox == [] and len(callbacks) == 1


def test_a_word_only_attestation_can_be_sent(contract_a, client_a_user):
    document = make_document(contract_a, numero="ATT-2026-000030", pdf=None, word=b"PK\x03\x04")
    document.verification_code = "ABCDEFGHJKMNPQRS"
    document.save()
    assert send(document, client_a_user).pk
