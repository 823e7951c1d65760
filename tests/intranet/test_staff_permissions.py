"""What a staff member's rights let them see and do beyond Django's own checks: contract data
in the tag dictionary and the preview, « Relancer la génération », deleting a contract that
has attestations, and the product page's attestation-model widget."""

import pytest
from django.contrib.auth.models import Permission
from django.db.models import ProtectedError
from django.urls import reverse

from contracts.models import Contract
from documents.models import (
    AttestationEvent,
    AttestationRequest,
    Document,
    DocumentTemplate,
)
from tests import factories
from tests.documents.request_helpers import fleet_offer_make, request_make
from tests.helpers import page_text, page_tree

TAGS_URL = reverse("intranet:documents_documenttemplate_tags")
REQUESTS_URL = reverse("intranet:documents_attestationrequest_changelist")


def grant(user, *names: str):
    """``user`` with exactly these extra permissions (``app_label.codename``)."""
    for name in names:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def templates_only(client, carol):
    """Carol may view document templates, and nothing of contracts."""
    grant(carol, "documents.view_documenttemplate")
    client.force_login(carol)
    return client


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


# -- 7(a) contract data in the dictionary and the preview ------------------------------------


def test_dictionary_without_the_right_to_view_contracts_lists_tags_without_examples(
    templates_only, offer
):
    response = templates_only.get(TAGS_URL)

    text = page_text(response)
    assert response.status_code == 200
    assert "contrat.numero" in text
    assert offer.contract.numero not in text
    assert "Transports Dupont" not in text
    assert "GH-456-JK" not in text
    assert not page_tree(response).xpath('//input[@name="numero"]')


def test_dictionary_refuses_to_name_a_contract_without_the_right_to_view_it(templates_only, offer):
    assert templates_only.get(TAGS_URL, {"contrat": offer.contract.pk}).status_code == 403
    assert templates_only.get(TAGS_URL, {"numero": offer.contract.numero}).status_code == 403


def test_dictionary_shows_examples_to_a_gestionnaire(as_staff, offer):
    text = page_text(as_staff.get(TAGS_URL, {"contrat": offer.contract.pk}))

    assert offer.contract.numero in text and "GH-456-JK" in text


def test_preview_requires_the_right_to_view_contracts(templates_only, offer):
    url = reverse(
        "intranet:documents_documenttemplate_preview", args=[offer.vehicle_model.template_id]
    )

    assert templates_only.get(url).status_code == 403
    assert templates_only.get(url, {"q": "Dupont"}).status_code == 403
    assert templates_only.get(url, {"contrat": offer.contract.pk}).status_code == 403


# -- 7(b) « Relancer la génération » needs the change right ----------------------------------


def _relaunch(client, request):
    return client.post(
        REQUESTS_URL, {"action": "retry_generation", "_selected_action": [request.pk]}
    )


def test_relaunch_is_refused_to_staff_who_may_only_view_requests(
    client, carol, offer, client_a_user
):
    grant(carol, "documents.view_attestationrequest")
    request = request_make(offer, client_a_user, status=AttestationRequest.Status.FAILED)
    client.force_login(carol)

    listing = client.get(REQUESTS_URL)
    _relaunch(client, request)

    assert listing.status_code == 200
    assert not page_tree(listing).xpath('//option[@value="retry_generation"]')
    request.refresh_from_db()
    assert request.status == AttestationRequest.Status.FAILED
    assert not request.events.filter(kind=AttestationEvent.Kind.RETRIED).exists()


def test_a_gestionnaire_may_relaunch_a_failed_generation(
    as_staff, staff_user, offer, client_a_user, django_capture_on_commit_callbacks
):
    request = request_make(offer, client_a_user, status=AttestationRequest.Status.FAILED)

    assert staff_user.has_perm("documents.change_attestationrequest")
    assert page_tree(as_staff.get(REQUESTS_URL)).xpath('//option[@value="retry_generation"]')
    with django_capture_on_commit_callbacks(execute=True):
        _relaunch(as_staff, request)

    request.refresh_from_db()
    assert request.status == AttestationRequest.Status.READY
    assert request.events.get(kind=AttestationEvent.Kind.RETRIED).actor == staff_user


def test_the_request_page_stays_read_only_for_a_gestionnaire(as_staff, offer, client_a_user):
    """The change right is for the action: the request's fields are still not editable."""
    request = request_make(offer, client_a_user)
    url = reverse("intranet:documents_attestationrequest_change", args=[request.pk])

    response = as_staff.get(url)

    assert response.status_code == 200
    assert not page_tree(response).xpath('//input[@name="title"]')
    assert as_staff.post(url, {"title": "Autre"}).status_code == 403


# -- 7(c) a contract with attestations cannot be deleted --------------------------------------


def _contract_with_history(offer, user) -> Contract:
    request = request_make(offer, user)
    AttestationEvent.objects.create(request=request, kind=AttestationEvent.Kind.SUBMITTED)
    Document.objects.create(contract=offer.contract, title="Attestation")
    return offer.contract


def test_deleting_a_contract_keeps_its_requests_documents_and_history(offer, client_a_user):
    contract = _contract_with_history(offer, client_a_user)

    with pytest.raises(ProtectedError):
        contract.delete()

    assert Contract.objects.filter(pk=contract.pk).exists()
    assert AttestationRequest.objects.filter(contract=contract).count() == 1
    assert Document.objects.filter(contract=contract).count() == 1
    assert AttestationEvent.objects.filter(request__contract=contract).count() == 1


def test_a_request_with_history_cannot_be_deleted(offer, client_a_user):
    request = request_make(offer, client_a_user)
    AttestationEvent.objects.create(request=request, kind=AttestationEvent.Kind.SUBMITTED)

    with pytest.raises(ProtectedError):
        request.delete()


def test_the_admin_refuses_to_delete_a_contract_with_attestations(
    as_superuser, offer, client_a_user
):
    contract = _contract_with_history(offer, client_a_user)
    url = reverse("intranet:contracts_contract_delete", args=[contract.pk])

    page = as_superuser.get(url)
    posted = as_superuser.post(url, {"post": "yes"})

    assert page.status_code == 200
    text = page_text(page)
    assert "Suppression impossible" in text
    assert "demande d'attestation" in text.lower()
    assert not page_tree(page).xpath('//input[@type="submit"]')
    assert posted.status_code == 200
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_the_admin_bulk_delete_refuses_too(as_superuser, offer, client_a_user):
    contract = _contract_with_history(offer, client_a_user)
    url = reverse("intranet:contracts_contract_changelist")

    response = as_superuser.post(
        url, {"action": "delete_selected", "_selected_action": [contract.pk], "post": "yes"}
    )

    assert response.status_code == 200
    assert "Suppression impossible" in page_text(response)
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_the_admin_still_deletes_a_contract_without_attestations(as_superuser, client_a):
    contract = factories.ContractFactory(client=client_a)
    url = reverse("intranet:contracts_contract_delete", args=[contract.pk])

    response = as_superuser.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Contract.objects.filter(pk=contract.pk).exists()


# -- 7(d) the product page never deletes the Word model ---------------------------------------


def test_the_product_page_offers_no_button_to_delete_or_change_the_model(as_superuser, offer):
    url = reverse("intranet:products_product_change", args=[offer.contract.product_id])

    tree = page_tree(as_superuser.get(url))

    buttons = tree.xpath(
        '//a[contains(@class, "delete-related") or contains(@class, "change-related")'
        ' or contains(@class, "add-related")][contains(@data-href-template, "documenttemplate")'
        ' or contains(@href, "documenttemplate")]'
    )
    assert [button.get("class") for button in buttons] == []
    assert tree.xpath('//select[contains(@name, "-template")]')  # the choice is still there
    assert DocumentTemplate.objects.filter(pk=offer.vehicle_model.template_id).exists()
