"""« Révoquer » and « Réémettre » (``documents.revocation``): the attestation's state, its
audit trail, the client's e-mail once committed, and what is refused."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from contracts.models import Contract
from documents import revocation
from documents.attestations.values import RequestRefused
from documents.models import AttestationEvent, AttestationRequest, Document
from documents.revocation import (
    AttestationChangeRefused,
    attestation_reissue,
    attestation_revoke,
)
from documents.selectors import attestation_origin_request, attestations_in_force_q
from documents.services import attestation_generate
from documents.verification import attestation_state
from tests import docx_models, factories
from tests.documents.generation_helpers import stored_files
from tests.documents.request_helpers import fleet_offer_make, request_issued
from tests.helpers import run_at_once

Kind = AttestationEvent.Kind


@pytest.fixture
def offer(client_a, settings):
    settings.SITE_URL = "https://espace.martin-courtage.fr"
    return fleet_offer_make(client_a)


@pytest.fixture
def colleague(client_a):
    """Another account of client A: told only when nobody asked for the attestation."""
    user = factories.UserFactory(username="eve@dupont.fr", email="eve@dupont.fr")
    factories.ExtranetAccessFactory(user=user, client=client_a)
    return user


def events(request) -> list[tuple[str, str]]:
    return [(event.kind, event.detail) for event in request.events.order_by("at", "id")]


def word_text(document) -> str:
    with document.word_file.open("rb") as handle:
        return docx_models.docx_text(handle.read())


# -- « Révoquer » -------------------------------------------------------------------------------


def test_revoke_records_it_and_emails_the_requester_once_after_commit(
    offer, client_a_user, colleague, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    request, document = request_issued(offer, client_a_user)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        attestation_revoke(
            document=document,
            user=staff_user,
            reason="Client a signalé une immatriculation erronée (appel du 01/12)",
            public_reason="Attestation émise par erreur",
        )
        assert mailoutbox == []  # nothing before the commit

    assert len(callbacks) == 1
    document.refresh_from_db()
    assert document.revoked_by == staff_user
    assert timezone.now() - document.revoked_at < datetime.timedelta(minutes=1)
    assert document.revocation_reason.startswith("Client a signalé")
    assert document.revocation_public_reason == "Attestation émise par erreur"
    state = attestation_state(document)
    assert state.kind == "revoked" and state.note == "Attestation émise par erreur"
    assert state.text == f"Révoquée le {timezone.localdate():%d/%m/%Y}"
    ((kind, detail),) = [e for e in events(request) if e[0] == Kind.REVOKED]
    assert detail.startswith(document.numero)
    assert request.events.get(kind=Kind.REVOKED).actor == staff_user

    (mail,) = mailoutbox  # the requester only: the colleague did not ask for it
    assert mail.to == ["charlie@dupont.fr"]
    assert mail.subject == f"Votre attestation n° {document.numero} a été révoquée"
    assert mail.from_email.startswith('"Courtage Martin & Associés"')
    assert "Motif : Attestation émise par erreur\n" in mail.body
    assert "immatriculation erronée" not in mail.body  # the internal reason stays internal
    assert "demandez-en une nouvelle" in mail.body
    link = f"https://espace.martin-courtage.fr/extranet/contrats/{offer.contract.pk}/documents/"
    assert link in mail.body
    html = mail.alternatives[0][0]
    assert "Attestation émise par erreur" in html and "immatriculation" not in html


def test_revoking_twice_is_refused_and_changes_nothing(offer, client_a_user, staff_user, carol):
    request, document = request_issued(offer, client_a_user)
    attestation_revoke(document=document, user=staff_user, reason="Erreur")
    first = Document.objects.get(pk=document.pk)

    with pytest.raises(AttestationChangeRefused, match="déjà révoquée depuis le"):
        attestation_revoke(document=document, user=carol, reason="Autre", public_reason="X")

    again = Document.objects.get(pk=document.pk)
    assert (again.revoked_at, again.revoked_by, again.revocation_reason) == (
        first.revoked_at, staff_user, "Erreur"
    )  # fmt: skip
    assert again.revocation_public_reason == ""
    assert request.events.filter(kind=Kind.REVOKED).count() == 1


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_revoking_needs_an_internal_reason(offer, client_a_user, staff_user, reason):
    _request, document = request_issued(offer, client_a_user)

    with pytest.raises(AttestationChangeRefused, match="Indiquez le motif"):
        attestation_revoke(document=document, user=staff_user, reason=reason, public_reason="x")

    assert Document.objects.get(pk=document.pk).revoked_at is None


def test_an_attestation_awaiting_validation_is_refused_not_revoked(
    offer, client_a_user, staff_user
):
    request, document = request_issued(offer, client_a_user)
    AttestationRequest.objects.filter(pk=request.pk).update(
        status=AttestationRequest.Status.AWAITING_VALIDATION
    )

    with pytest.raises(AttestationChangeRefused, match="refusez la demande"):
        attestation_revoke(document=document, user=staff_user, reason="x")
    with pytest.raises(AttestationChangeRefused, match="refusez la demande"):
        attestation_reissue(document=document, user=staff_user)

    assert Document.objects.count() == 1  # refused before anything was generated


def test_a_document_that_is_no_attestation_cannot_be_revoked(offer, staff_user):
    letter = Document.objects.create(contract=offer.contract, title="Courrier")

    with pytest.raises(AttestationChangeRefused, match="n'est pas une attestation"):
        attestation_revoke(document=letter, user=staff_user, reason="x")


def test_one_nobody_asked_for_tells_every_account_of_the_client(
    offer, client_a_user, colleague, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    gone = factories.UserFactory(username="old@dupont.fr", email="old@dupont.fr", is_active=False)
    factories.ExtranetAccessFactory(user=gone, client=offer.contract.client)
    shared = _generated_by_staff(offer, staff_user, shared=True)
    kept = _generated_by_staff(offer, staff_user, shared=False)

    with django_capture_on_commit_callbacks(execute=True):
        attestation_revoke(document=shared, user=staff_user, reason="x")
        attestation_revoke(document=kept, user=staff_user, reason="x")

    # No request, no audit trail; the unshared one was never handed out on the extranet.
    assert not AttestationEvent.objects.exists()
    assert sorted(mail.to[0] for mail in mailoutbox) == ["charlie@dupont.fr", "eve@dupont.fr"]
    assert {mail.subject for mail in mailoutbox} == {
        f"Votre attestation n° {shared.numero} a été révoquée"
    }
    assert "Motif :" not in mailoutbox[0].body


def _generated_by_staff(offer, user, *, shared: bool) -> Document:
    return attestation_generate(
        template=offer.contract_model.template,
        contract=offer.contract,
        values={},
        user=user,
        shared=shared,
    )


# -- « Réémettre » ------------------------------------------------------------------------------


def test_reissue_replaces_it_with_a_new_number_and_code_and_the_same_values(
    offer, client_a_user, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    request, old = request_issued(offer, client_a_user)

    with django_capture_on_commit_callbacks(execute=True):
        new = attestation_reissue(document=old, user=staff_user)

    old.refresh_from_db()
    assert old.replaced_by == new
    assert new.numero != old.numero and new.verification_code != old.verification_code
    assert (new.template, new.contract, new.beneficiary) == (
        old.template, old.contract, old.beneficiary
    )  # fmt: skip
    assert new.values == request.values == old.values
    assert "Motif : Salon" in word_text(new) and "Du 01/12/2026 au 03/12/2026" in word_text(new)
    assert new.shared_on_extranet and new.shared_by == staff_user
    assert new.created_by == staff_user
    assert attestation_state(old).text == f"Remplacée par l'attestation n° {new.numero}"
    assert attestation_state(new).valid
    assert (Kind.REPLACED, f"{old.numero} remplacée par {new.numero}") in events(request)
    assert attestation_origin_request(new) == request

    (mail,) = mailoutbox
    assert mail.to == ["charlie@dupont.fr"]
    assert mail.subject == (
        f"Votre attestation n° {old.numero} est remplacée par l'attestation n° {new.numero}"
    )
    assert f"N° d'attestation : {new.numero}\n" in mail.body
    assert f"/extranet/contrats/{offer.contract.pk}/documents/" in mail.body


def test_reissue_with_corrected_values_and_again_keeps_the_correction(
    offer, client_a_user, staff_user
):
    request, old = request_issued(offer, client_a_user)
    corrected = {
        "motif": "Rallye des Cévennes",
        "date_debut": "2026-12-05",  # as a date picker sends it
        "date_fin": "07/12/2026",
    }

    new = attestation_reissue(document=old, user=staff_user, values=corrected)
    third = attestation_reissue(document=new, user=staff_user)

    # Checked and normalised as a client's values are; the request keeps what was asked.
    assert new.values == {"motif": "Rallye des Cévennes", "date_debut": "05/12/2026",
                          "date_fin": "07/12/2026"}  # fmt: skip
    assert third.values == new.values
    assert "Motif : Rallye des Cévennes" in word_text(third)
    assert request.values["motif"] == "Salon"
    new.refresh_from_db()
    assert new.replaced_by == third
    kinds = [kind for kind, _detail in events(request)]
    assert kinds.count(Kind.REPLACED) == 2


def test_reissue_refuses_wrong_values_and_generates_nothing(offer, client_a_user, staff_user):
    _request, old = request_issued(offer, client_a_user)
    before = Document.objects.count()

    with pytest.raises(RequestRefused) as refused:
        wrong = {"motif": "", "date_debut": "31/02/2026", "date_fin": "03/12/2026"}
        attestation_reissue(document=old, user=staff_user, values=wrong)

    assert set(refused.value.value_errors) == {"motif", "date_debut"}
    assert Document.objects.count() == before


def test_reissue_refuses_a_revoked_a_replaced_or_a_modelless_attestation(
    offer, client_a_user, staff_user, _private_storage
):
    _request, revoked = request_issued(offer, client_a_user)
    attestation_revoke(document=revoked, user=staff_user, reason="x")
    _request, replaced = request_issued(offer, client_a_user)
    replacement = attestation_reissue(document=replaced, user=staff_user)
    files = stored_files(_private_storage)
    before = Document.objects.count()

    with pytest.raises(AttestationChangeRefused, match="est révoquée"):
        attestation_reissue(document=revoked, user=staff_user)
    with pytest.raises(AttestationChangeRefused, match=f"déjà remplacée.*{replacement.numero}"):
        attestation_reissue(document=replaced, user=staff_user)
    offer.vehicle_model.delete()
    replacement.template.delete()
    replacement.refresh_from_db()
    with pytest.raises(AttestationChangeRefused, match="modèle de cette attestation n'existe plus"):
        attestation_reissue(document=replacement, user=staff_user)

    assert Document.objects.count() == before
    assert [f for f in stored_files(_private_storage) if f.startswith("documents/")] == [
        f for f in files if f.startswith("documents/")
    ]


def test_a_reissue_that_loses_to_a_revocation_destroys_what_it_generated(
    offer,
    client_a_user,
    staff_user,
    monkeypatch,
    _private_storage,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """Fault injected: the attestation is revoked while its replacement is generated."""
    request, old = request_issued(offer, client_a_user)
    documents_before = stored_files(_private_storage)

    def generate_then_revoked_meanwhile(**kwargs):
        new = attestation_generate(**kwargs)
        Document.objects.filter(pk=old.pk).update(revoked_at=timezone.now())
        return new

    monkeypatch.setattr(revocation, "attestation_generate", generate_then_revoked_meanwhile)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(AttestationChangeRefused, match="est révoquée"),
    ):
        attestation_reissue(document=old, user=staff_user)

    assert list(Document.objects.values_list("pk", flat=True)) == [old.pk]
    assert stored_files(_private_storage) == documents_before
    assert Document.objects.get(pk=old.pk).replaced_by is None
    assert not request.events.filter(kind=Kind.REPLACED).exists()
    assert mailoutbox == []


def test_revoking_a_reissue_is_recorded_on_the_first_request(
    offer, client_a_user, colleague, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    request, old = request_issued(offer, client_a_user)
    new = attestation_reissue(document=old, user=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        attestation_revoke(document=new, user=staff_user, reason="Véhicule vendu")

    assert events(request)[-1] == (Kind.REVOKED, f"{new.numero} – Véhicule vendu")
    assert [mail.to for mail in mailoutbox] == [["charlie@dupont.fr"]]


# -- in force, as a filter ------------------------------------------------------------------------


def test_the_in_force_filter_agrees_with_the_state(offer, client_a_user, staff_user):
    today = timezone.localdate()
    _r, valid = request_issued(offer, client_a_user)
    _r, revoked = request_issued(offer, client_a_user)
    attestation_revoke(document=revoked, user=staff_user, reason="x")
    _r, replaced = request_issued(offer, client_a_user)
    replacement = attestation_reissue(document=replaced, user=staff_user)
    _r, expired = request_issued(offer, client_a_user)
    Document.objects.filter(pk=expired.pk).update(valid_until=today - datetime.timedelta(days=1))
    _r, upcoming = request_issued(offer, client_a_user)
    Document.objects.filter(pk=upcoming.pk).update(valid_from=today + datetime.timedelta(days=3))
    letter = Document.objects.create(contract=offer.contract, title="Courrier")
    ended = factories.ContractFactory(
        client=offer.contract.client, product=offer.contract.product, numero="FL-END",
        status=Contract.Status.RESILIE, date_resiliation=today - datetime.timedelta(days=1),
    )  # fmt: skip
    later = factories.ContractFactory(
        client=offer.contract.client, product=offer.contract.product, numero="FL-LATER",
        status=Contract.Status.RESILIE, date_resiliation=today + datetime.timedelta(days=30),
    )  # fmt: skip
    undated = factories.ContractFactory(
        client=offer.contract.client, product=offer.contract.product, numero="FL-SUSP",
        status=Contract.Status.SUSPENDU,
    )  # fmt: skip
    on_contracts = []
    for contract in (ended, later, undated):
        document = _generated_by_staff(offer, staff_user, shared=True)
        Document.objects.filter(pk=document.pk).update(contract=contract)
        on_contracts.append(document)

    documents = Document.objects.select_related("contract", "replaced_by")
    expected = {d.pk for d in documents if d.verification_code and attestation_state(d).valid}
    in_force = set(Document.objects.filter(attestations_in_force_q()).values_list("pk", flat=True))

    assert in_force == expected
    assert in_force == {valid.pk, replacement.pk, upcoming.pk, on_contracts[1].pk}
    assert letter.pk not in in_force


# -- races (PostgreSQL) ---------------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_four_revocations_at_once_make_one(client_a, client_a_user, staff_user):
    request, document = request_issued(fleet_offer_make(client_a), client_a_user)

    def revoke():
        attestation_revoke(
            document=Document.objects.get(pk=document.pk), user=staff_user, reason="x"
        )
        return "revoked"

    results, errors = run_at_once(revoke, 4)

    assert results.count("revoked") == 1
    assert len(errors) == 3 and all(isinstance(e, AttestationChangeRefused) for e in errors)
    assert request.events.filter(kind=Kind.REVOKED).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_reissues_at_once_make_one_replacement(
    client_a, client_a_user, staff_user, _private_storage
):
    request, document = request_issued(fleet_offer_make(client_a), client_a_user)

    def reissue():
        return attestation_reissue(document=Document.objects.get(pk=document.pk), user=staff_user)

    results, errors = run_at_once(reissue, 2)

    (new,) = [result for result in results if result is not None]
    assert [type(error) for error in errors] == [AttestationChangeRefused]
    document.refresh_from_db()
    assert document.replaced_by == new
    assert set(Document.objects.values_list("pk", flat=True)) == {document.pk, new.pk}
    # The loser's files went with its row (no transaction around: at once).
    assert len([f for f in stored_files(_private_storage) if f.startswith("documents/")]) == 2
    assert request.events.filter(kind=Kind.REPLACED).count() == 1
