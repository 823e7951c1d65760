"""What a staff member's rights let them see and do beyond Django's own checks: contract data
in the tag dictionary and the preview, « Relancer la génération », deleting a contract that
has attestations, and the product page's attestation-model widget."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.documents.request_helpers import fleet_offer_make
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
