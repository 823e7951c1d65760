"""The client's e-mails about a request: from templates, in the cabinet's name, texts as typed."""

from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest

from documents.attestations.emails import (
    attestation_available_email_send,
    attestation_refused_email_send,
)
from documents.models import AttestationRequest


@pytest.fixture
def request_(fleet, client_a_user, settings):
    settings.SITE_URL = "https://espace.martin-courtage.fr/"
    settings.DEFAULT_FROM_EMAIL = "modulr <ne-pas-repondre@martin-courtage.fr>"
    contract, vehicle = fleet
    client_a_user.first_name, client_a_user.last_name = "Charlie", "Dupont"
    client_a_user.save()
    return AttestationRequest.objects.create(
        user=client_a_user,
        contract=contract,
        beneficiary=vehicle,
        beneficiary_label="Renault Master – AB-123-CD",
        title="Attestation A & B <x> {{ 7*7 }}",
        refusal_reason="Quittance <impayée> & relance",
    )


def test_available_email_comes_from_the_cabinet_with_the_link(request_, mailoutbox):
    assert attestation_available_email_send(request=request_) == 1

    (mail,) = mailoutbox
    assert mail.from_email == '"Courtage Martin & Associés" <ne-pas-repondre@martin-courtage.fr>'
    sent = mail.message()
    assert parseaddr(str(make_header(decode_header(sent["From"])))) == (
        "Courtage Martin & Associés",
        "ne-pas-repondre@martin-courtage.fr",
    )
    assert mail.reply_to == ["contact@martin-courtage.fr"]
    assert mail.to == ["charlie@dupont.fr"]
    assert mail.subject == f"Votre attestation est disponible – contrat {request_.contract.numero}"
    assert mail.body.startswith("Bonjour Charlie Dupont,\n\n")
    assert "Attestation : Attestation A & B <x> {{ 7*7 }}\n" in mail.body
    assert "Bénéficiaire : Renault Master – AB-123-CD\n" in mail.body
    link = f"https://espace.martin-courtage.fr/extranet/contrats/{request_.contract_id}/documents/"
    assert link in mail.body
    assert mail.body.rstrip().endswith("Cordialement,\nCourtage Martin & Associés")
    assert "modulr" not in mail.body

    ((html, mimetype),) = mail.alternatives
    assert mimetype == "text/html"
    assert "Attestation A &amp; B &lt;x&gt; {{ 7*7 }}" in html
    assert f'href="{link}"' in html


def test_refused_email_gives_the_reason_as_typed(request_, mailoutbox):
    assert attestation_refused_email_send(request=request_) == 1

    (mail,) = mailoutbox
    assert mail.subject.startswith("Votre demande d'attestation a été refusée – contrat ")
    assert "Motif : Quittance <impayée> & relance\n" in mail.body
    assert f"/extranet/demandes/{request_.pk}/" in mail.body
    assert "Motif : Quittance &lt;impayée&gt; &amp; relance" in mail.alternatives[0][0]


def test_refused_email_without_reason_says_so(request_, mailoutbox):
    request_.refusal_reason = "  "
    attestation_refused_email_send(request=request_)

    assert "Aucun motif n'a été précisé." in mailoutbox[0].body
    assert "Motif :" not in mailoutbox[0].body


def test_no_address_no_email(request_, mailoutbox):
    request_.user.email = ""
    assert attestation_available_email_send(request=request_) == 0
    assert mailoutbox == []
