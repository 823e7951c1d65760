"""An attestation's page in the intranet: its state, validity and code, « Révoquer » and
« Réémettre » behind the change permission; the list's « État » column and filter."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import AttestationEvent, Document
from documents.revocation import attestation_reissue, attestation_revoke
from tests.documents.request_helpers import fleet_offer_make, request_issued
from tests.helpers import page_text, page_tree

LIST_URL = reverse("intranet:documents_document_changelist")


def change_url(document) -> str:
    return reverse("intranet:documents_document_change", args=[document.pk])


def revoke_url(document) -> str:
    return reverse("intranet:documents_document_revoke", args=[document.pk])


def reissue_url(document) -> str:
    return reverse("intranet:documents_document_reissue", args=[document.pk])


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


@pytest.fixture
def attestation(offer, client_a_user):
    return request_issued(offer, client_a_user)[1]


@pytest.fixture
def as_viewer(client, other_staff):
    """Bob may view documents, not change them."""
    other_staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="documents", codename="view_document")
    )
    client.force_login(other_staff)
    return client


# -- the page of an attestation -------------------------------------------------------------------


def test_the_page_shows_state_validity_code_and_the_actions(as_staff, attestation):
    response = as_staff.get(change_url(attestation))

    assert response.status_code == 200
    text = page_text(response)
    until = f"{attestation.valid_until:%d/%m/%Y}"
    assert f"État\xa0: Valide jusqu'au {until}" in text
    assert f"Validité\xa0: du {attestation.valid_from:%d/%m/%Y} au {until}" in text
    assert f"Code de vérification\xa0: {attestation.verification_code_display}" in text
    tree = page_tree(response)
    verification = f"/verifier/{attestation.verification_code}/"
    assert tree.xpath(f'//a[@href="{verification}"]/text()') == ["Voir la page de vérification"] * 2
    assert tree.xpath(f'//a[@href="{revoke_url(attestation)}"]/text()') == ["Révoquer"]
    assert tree.xpath(f'//a[@href="{reissue_url(attestation)}"]/text()') == ["Réémettre"]
    assert not tree.xpath('//input[@name="_save"]')  # nothing to save: all read only


def test_a_revoked_attestation_shows_why_and_offers_nothing_more(as_staff, attestation, staff_user):
    attestation_revoke(
        document=attestation, user=staff_user, reason="Fraude suspectée", public_reason="Erreur"
    )

    response = as_staff.get(change_url(attestation))

    text = page_text(response)
    assert f"État\xa0: Révoquée le {timezone.localdate():%d/%m/%Y} – Erreur" in text
    assert "Fraude suspectée" in text  # staff see the internal reason
    html = response.content.decode()
    assert revoke_url(attestation) not in html and reissue_url(attestation) not in html
    refused = page_text(as_staff.get(revoke_url(attestation)))
    assert "Cette attestation est déjà révoquée depuis le" in refused
    assert "est révoquée : elle ne peut pas être réémise" in page_text(
        as_staff.get(reissue_url(attestation))
    )


# -- « Révoquer » ---------------------------------------------------------------------------------


def test_revoke_form_says_who_sees_the_public_reason(as_staff, attestation):
    response = as_staff.get(revoke_url(attestation))

    assert response.status_code == 200
    text = page_text(response)
    assert "Motif interne" in text and "Motif affiché publiquement (facultatif)" in text
    assert "Visible par toute personne qui détient l'attestation" in text
    assert page_tree(response).xpath('//input[@name="csrfmiddlewaretoken"]')


def test_revoke_posts_revokes_and_comes_back_with_a_message(
    as_staff, attestation, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_staff.post(
            revoke_url(attestation),
            {"reason": "Immatriculation erronée", "public_reason": "Émise par erreur"},
        )

    assert response.status_code == 302
    assert response["Location"] == change_url(attestation)
    attestation.refresh_from_db()
    assert attestation.revoked_by == staff_user
    assert attestation.revocation_reason == "Immatriculation erronée"
    assert attestation.revocation_public_reason == "Émise par erreur"
    assert AttestationEvent.objects.filter(kind=AttestationEvent.Kind.REVOKED).count() == 1
    assert [mail.subject for mail in mailoutbox] == [
        f"Votre attestation n° {attestation.numero} a été révoquée"
    ]
    page = page_text(as_staff.get(response["Location"]))
    assert f"L'attestation n° {attestation.numero} est révoquée." in page


def test_revoke_without_an_internal_reason_is_refused(as_staff, attestation):
    response = as_staff.post(revoke_url(attestation), {"reason": " ", "public_reason": "x"})

    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page_text(response)
    assert Document.objects.get(pk=attestation.pk).revoked_at is None


def test_revoke_and_reissue_refuse_other_methods(as_staff, attestation):
    assert as_staff.put(revoke_url(attestation)).status_code == 405
    assert as_staff.delete(reissue_url(attestation)).status_code == 405


# -- « Réémettre » --------------------------------------------------------------------------------


def test_reissue_form_starts_from_the_attestation_values(as_staff, attestation):
    response = as_staff.get(reissue_url(attestation))

    assert response.status_code == 200
    tree = page_tree(response)
    assert tree.xpath('//input[@name="field_motif"]/@value') == ["Salon"]
    assert tree.xpath('//input[@name="field_date_debut"]/@value') == ["01/12/2026"]
    assert "Motif du déplacement" in page_text(response)


def test_reissue_generates_the_replacement_and_opens_it(as_staff, attestation, staff_user):
    response = as_staff.post(
        reissue_url(attestation),
        {"field_motif": "Rallye", "field_date_debut": "01/12/2026", "field_date_fin": "04/12/2026"},
    )

    attestation.refresh_from_db()
    new = attestation.replaced_by
    assert new is not None and new.numero != attestation.numero
    assert new.values == {"motif": "Rallye", "date_debut": "01/12/2026", "date_fin": "04/12/2026"}
    assert response.status_code == 302 and response["Location"] == change_url(new)
    page = page_text(as_staff.get(change_url(new)))
    assert (
        f"L'attestation n° {new.numero} remplace désormais l'attestation n° {attestation.numero}."
        in page
    )
    assert f"Remplace\xa0: {attestation.numero}" in page
    old_page = page_text(as_staff.get(change_url(attestation)))
    assert f"État\xa0: Remplacée par l'attestation n° {new.numero}" in old_page


def test_reissue_with_a_wrong_date_says_so_and_generates_nothing(as_staff, attestation):
    response = as_staff.post(
        reissue_url(attestation),
        {"field_motif": "Rallye", "field_date_debut": "31/02/2026", "field_date_fin": "x"},
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Cette date n'existe pas" in text and "Saisissez une date" in text
    assert Document.objects.count() == 1


# -- who may -------------------------------------------------------------------------------------


def test_staff_without_the_change_permission_cannot_revoke_nor_reissue(as_viewer, attestation):
    page = as_viewer.get(change_url(attestation))
    assert page.status_code == 200
    assert revoke_url(attestation) not in page.content.decode()

    assert as_viewer.get(revoke_url(attestation)).status_code == 403
    assert as_viewer.post(revoke_url(attestation), {"reason": "x"}).status_code == 403
    assert as_viewer.get(reissue_url(attestation)).status_code == 403
    assert as_viewer.post(reissue_url(attestation), {"field_motif": "x"}).status_code == 403
    attestation.refresh_from_db()
    assert attestation.revoked_at is None and attestation.replaced_by is None


@pytest.mark.parametrize("who", ["client", "anonymous"])
def test_a_client_account_or_nobody_never_reaches_them(client, client_a_user, attestation, who):
    if who == "client":
        client.force_login(client_a_user)
    for url in (revoke_url(attestation), reissue_url(attestation), change_url(attestation)):
        response = (
            client.post(url, {"reason": "x"})
            if url == revoke_url(attestation)
            else (client.get(url))
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("intranet:login"))
    assert Document.objects.get(pk=attestation.pk).revoked_at is None


def test_an_unknown_document_is_a_404(as_staff, attestation):
    assert as_staff.get(f"{LIST_URL}999999/revoquer/").status_code == 404
    assert as_staff.get(f"{LIST_URL}999999/reemettre/").status_code == 404


# -- the list ------------------------------------------------------------------------------------


def test_the_list_shows_each_state_and_filters_them(as_staff, offer, client_a_user, staff_user):
    _r, valid = request_issued(offer, client_a_user)
    _r, revoked = request_issued(offer, client_a_user)
    attestation_revoke(document=revoked, user=staff_user, reason="x", public_reason="Erreur")
    _r, replaced = request_issued(offer, client_a_user)
    replacement = attestation_reissue(document=replaced, user=staff_user)
    _r, expired = request_issued(offer, client_a_user)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Document.objects.filter(pk=expired.pk).update(valid_until=yesterday)

    text = page_text(as_staff.get(LIST_URL))
    assert f"Révoquée le {timezone.localdate():%d/%m/%Y} – Erreur" in text
    assert f"Remplacée par l'attestation n° {replacement.numero}" in text
    assert f"Expirée depuis le {timezone.localdate():%d/%m/%Y}" in text

    def listed(query: str) -> set[str]:
        tree = page_tree(as_staff.get(f"{LIST_URL}?{query}"))
        return {n.strip() for n in tree.xpath('//td[@class="field-numero"]/text()')}

    assert listed("etat=revoquee") == {revoked.numero}
    assert listed("etat=remplacee") == {replaced.numero}
    assert listed("etat=en_vigueur") == {valid.numero, replacement.numero}
    code = valid.verification_code_display.lower().replace("-", " ")
    assert listed(f"q={code}") == {valid.numero}


def test_the_list_costs_the_same_queries_for_2_or_5_attestations(
    as_staff, offer, client_a_user, staff_user
):
    _r, first = request_issued(offer, client_a_user)
    attestation_reissue(document=first, user=staff_user)  # a replaced one reads its successor
    with CaptureQueriesContext(connection) as few:
        assert as_staff.get(LIST_URL).status_code == 200

    for _ in range(3):
        _r, document = request_issued(offer, client_a_user)
    attestation_revoke(document=document, user=staff_user, reason="x")
    with CaptureQueriesContext(connection) as many:
        response = as_staff.get(LIST_URL)

    assert page_text(response).count("Attestation pour un événement") == 5
    assert len(many) == len(few)
