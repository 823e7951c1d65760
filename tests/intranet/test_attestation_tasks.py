"""The intranet side of prior validation: the task page's attestation block, « Valider » and
« Refuser », the staff download, « Demandes d'attestation » and the contract's requests."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from documents.attestations.validation import attestation_request_refuse
from documents.models import AttestationRequest, Document
from tasks.models import Task
from tests import factories
from tests.documents.validation_helpers import (
    VALUES,
    attestation_template_make,
    generated_files,
    request_held,
    request_submit,
    validation_template_make,
)
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


def url(name, *args) -> str:
    return reverse(f"intranet:{name}", args=args)


def with_perm(user, codename: str):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # a fresh instance: permissions are cached


@pytest.fixture
def template(fleet):
    return attestation_template_make(fleet[0])


@pytest.fixture
def validation(other_staff):
    return validation_template_make(other_staff)


@pytest.fixture
def held(fleet, template, validation, client_a_user, django_capture_on_commit_callbacks):
    """A request whose attestation (Word only) waits for Bob's decision."""
    contract, vehicle = fleet
    with django_capture_on_commit_callbacks(execute=True):
        return request_held(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )


def task_page(http, request):
    return http.get(url("tasks_inbox_task", request.task_id))


def approve(http, request):
    return http.post(url("attestation_approve", request.pk))


def refuse(http, request, reason=""):
    return http.post(url("attestation_refuse", request.pk), {"reason": reason})


# -- the task page ----------------------------------------------------------------------------


def test_only_an_attestation_task_shows_the_attestation_block(as_bob, held, client_a, other_staff):
    other = factories.TaskFactory(client=client_a, recipient_users=[other_staff])

    attestation_page = as_bob.get(url("tasks_inbox_task", held.task_id)).content.decode()
    other_page = as_bob.get(url("tasks_inbox_task", other.pk)).content.decode()

    assert 'id="attestation-request"' in attestation_page
    assert 'id="attestation-request"' not in other_page


def test_task_page_shows_who_asked_what_and_opens_the_attestation_at_once(
    as_bob, held, django_assert_max_num_queries
):
    # session, user, Bob's permissions (2: his own, his groups'), the task, its recipient
    # users and groups (2), the request with its contract, client, beneficiary and document,
    # the model's fields, « may Bob decide? », the history with its actors, the cabinet.
    with django_assert_max_num_queries(12):
        response = task_page(as_bob, held)

    assert response.status_code == 200
    page = page_text(response)
    assert "Demandée par charlie@dupont.fr" in page
    assert f"Le {held.created_at.astimezone().strftime('%d/%m/%Y')}" in page
    assert "Contrat FL-2026-0042 – Transports Dupont SAS" in page
    assert "Bénéficiaire GH-456-JK – Peugeot 308" in page
    assert f"Attestation demandée Attestation véhicule – n° {held.numero}" in page
    assert "Motif de l'attestation Salon Equip Auto" in page
    assert "Date début 01/12/2026" in page and "Date fin 05/12/2026" in page
    assert "Statut En attente de validation" in page
    assert "Demande envoyée" in page and "Attestation générée" in page
    content = response.content.decode()
    link = url("document_file", held.document_id)
    assert f'id="attestation-open" href="{link}"' in content
    assert 'value="Valider"' in content and 'value="Refuser"' in content
    assert "disabled" not in content.split('id="attestation-decision"')[1].split("</div>")[0]

    # « Ouvrir l'attestation »: the file itself, shown in the browser.
    opened = as_bob.get(link)
    assert opened.status_code == 200
    assert opened["Content-Disposition"].startswith("inline;")
    assert opened["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert {"private", "no-store"} <= set(opened["Cache-Control"].replace(" ", "").split(","))
    with Document.objects.get(pk=held.document_id).word_file.open("rb") as handle:
        assert b"".join(opened.streaming_content) == handle.read()


def test_buttons_wait_for_the_attestation_to_be_generated(
    as_bob, fleet, template, validation, client_a_user
):
    contract, vehicle = fleet
    pending = request_submit(
        user=client_a_user, contract=contract, template=template, beneficiary=vehicle
    )  # its generation job is not run: still pending

    response = task_page(as_bob, pending)

    content = response.content.decode()
    assert "Les boutons s'activent dès que l'attestation est générée." in page_text(response)
    assert 'value="Valider" disabled' in content and 'value="Refuser" disabled' in content
    assert "attestation-open" not in content
    assert "window.location.reload" in content  # the page updates itself

    # A POST anyway (a page left open) decides nothing.
    response = approve(as_bob, pending)
    assert response.status_code == 302
    assert "encore en cours de génération" in page_text(as_bob.get(response["Location"]))
    assert Task.objects.get(pk=pending.task_id).is_open


def test_staff_who_may_only_view_tasks_see_the_block_without_buttons(client, held, carol):
    client.force_login(with_perm(carol, "view_task"))

    response = task_page(client, held)

    assert response.status_code == 200
    assert "Ouvrir l'attestation" in page_text(response)
    assert 'value="Valider"' not in response.content.decode()
    assert approve(client, held).status_code == 403
    assert Task.objects.get(pk=held.task_id).is_open


def test_other_tasks_have_no_attestation_block(as_bob, client_a, other_staff):
    task = factories.TaskFactory(client=client_a, recipient_users=[other_staff])
    response = as_bob.get(url("tasks_inbox_task", task.pk))
    assert response.status_code == 200
    assert "Demande d'attestation" not in page_text(response)


# -- « Valider » / « Refuser » ----------------------------------------------------------------


def test_valider_shares_the_attestation_and_closes_the_task_with_who_and_when(
    as_bob, held, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = approve(as_bob, held)

    assert response.status_code == 302
    assert response["Location"] == url("tasks_inbox_task", held.task_id)
    page = page_text(as_bob.get(response["Location"]))
    assert "L'attestation est validée : elle est partagée sur l'extranet du client." in page
    assert "Statut Validée" in page  # the task
    assert "Traitée par Bob" in page
    assert "Demande validée" in page and "Attestation partagée sur l'extranet" in page
    assert "Décidée par Bob" in page
    assert 'value="Valider"' not in page
    assert Document.objects.get(pk=held.document_id).shared_on_extranet
    assert [m.to for m in mailoutbox] == [["charlie@dupont.fr"]]


def test_refuser_destroys_the_attestation_and_keeps_the_reason(
    as_bob, held, mailoutbox, _private_storage, django_capture_on_commit_callbacks
):
    document_pk = held.document_id
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = refuse(as_bob, held, reason="Contrat suspendu pour impayé.")

    page = page_text(as_bob.get(response["Location"]))
    assert "La demande est refusée : l'attestation est détruite (Word et PDF)." in page
    assert "Motif du refus Contrat suspendu pour impayé." in page
    assert "Détruite (Word et PDF) après le refus." in page
    assert "Demande refusée" in page and "Attestation détruite" in page
    assert generated_files(_private_storage) == []
    assert not Document.objects.filter(pk=document_pk).exists()
    assert as_bob.get(url("document_file", document_pk)).status_code == 404
    assert "Motif : Contrat suspendu pour impayé." in mailoutbox[0].body


def test_the_second_click_is_told_who_decided(
    client, held, other_staff, superuser, django_capture_on_commit_callbacks
):
    client.force_login(other_staff)
    with django_capture_on_commit_callbacks(execute=True):
        refuse(client, held, reason="Non")
    client.force_login(superuser)

    response = approve(client, held)

    page = page_text(client.get(response["Location"]))
    assert "Cette tâche a déjà été traitée par Bob (refusée) le " in page
    assert AttestationRequest.objects.get(pk=held.pk).status == "refused"


def test_a_refusal_reason_too_long_decides_nothing(as_bob, held):
    response = refuse(as_bob, held, reason="x" * 2001)
    assert "Le motif est trop long" in page_text(as_bob.get(response["Location"]))
    assert Task.objects.get(pk=held.task_id).is_open


def test_decision_urls_anonymous_wrong_method_and_strangers(client, held, carol, client_a_user):
    assert approve(client, held).status_code == 302
    assert approve(client, held)["Location"].startswith("/intranet/login/")
    client.force_login(client_a_user)  # an extranet account never reaches the intranet
    assert approve(client, held)["Location"].startswith("/intranet/login/")
    client.force_login(carol)  # staff who is no recipient: the task does not exist for her
    assert approve(client, held).status_code == 404
    assert refuse(client, held).status_code == 404
    client.force_login(held.task.recipient_users.get())
    assert client.get(url("attestation_approve", held.pk)).status_code == 405
    assert client.post(url("attestation_approve", 999999)).status_code == 404
    assert Task.objects.get(pk=held.task_id).is_open


# -- the staff download -----------------------------------------------------------------------


def test_staff_download_is_for_staff_who_may_see_the_document(
    client, held, carol, client_a_user, staff_user
):
    link = url("document_file", held.document_id)
    assert client.get(link)["Location"].startswith("/intranet/login/")
    client.force_login(client_a_user)
    assert client.get(link)["Location"].startswith("/intranet/login/")
    client.force_login(carol)
    assert client.get(link).status_code == 404
    client.force_login(with_perm(carol, "view_document"))
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 405
    client.force_login(staff_user)
    response = client.get(link + "?format=word")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''Attestation%20v%C3%A9hicule%20%E2%80%93%20GH-456-JK"
        f"%20%E2%80%93%20Peugeot%20308%20{held.numero}.docx"
    )


# -- « Demandes d'attestation » and the contract page -----------------------------------------


def test_requests_list_filters_and_searches_within_a_query_budget(
    client, staff_user, held, fleet, template, client_a_user, django_assert_max_num_queries,
    settings,
):  # fmt: skip
    settings.ATTESTATION_REQUESTS_PER_HOUR = 100
    contract, vehicle = fleet
    for i in range(30):  # each one different: the same request twice is recorded once
        request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle,
            values={**VALUES, "motif": f"Salon {i}"},
        )  # fmt: skip
    client.force_login(staff_user)
    changelist = url("documents_attestationrequest_changelist")

    # session, user, the user's and their groups' permissions, the count, the page's rows
    # with contract, client, account and decider, the date hierarchy (2: first/last date,
    # the days), the cabinet.
    with django_assert_max_num_queries(9):
        response = client.get(changelist)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 31

    awaiting = client.get(changelist + "?status__exact=awaiting_validation")
    assert [r.pk for r in awaiting.context["cl"].result_list] == [held.pk]
    assert len(client.get(changelist + "?needs_validation__exact=1").context["cl"].result_list)
    assert client.get(changelist + "?q=FL-2026-0042").context["cl"].result_count == 31
    assert client.get(changelist + "?q=Dupont").context["cl"].result_count == 31
    assert client.get(changelist + "?q=Leroy").context["cl"].result_count == 0


def test_request_page_keeps_its_history_after_the_document_is_destroyed(
    client, staff_user, held, other_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attestation_request_refuse(request=held, user=other_staff, reason="Pas couvert")
    client.force_login(staff_user)

    response = client.get(url("documents_attestationrequest_change", held.pk))

    assert response.status_code == 200
    page = page_text(response)
    assert "Refusée" in page and "Pas couvert" in page and "Détruite" in page
    for step in ("Demande envoyée", "Attestation générée", "Demande refusée"):
        assert step in page
    assert "Attestation détruite" in page
    assert "Motif de l'attestation : Salon Equip Auto" in page
    content = response.content.decode()
    assert 'name="_save"' not in content  # read only
    assert client.post(url("documents_attestationrequest_delete", held.pk)).status_code == 403


def test_contract_page_lists_its_requests_with_their_history(
    client, staff_user, held, fleet, template, client_a_user, django_assert_max_num_queries
):
    contract, vehicle = fleet
    for i in range(20):  # each one different: the same request twice is recorded once
        request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle,
            values={**VALUES, "motif": f"Salon {i}"},
        )  # fmt: skip
    client.force_login(staff_user)

    # The contract page's 13 + 2 (see test_admin_query_budget), plus the requests with their
    # accounts, and their histories with their actors in one query, however many there are.
    with django_assert_max_num_queries(15 + 2):
        response = client.get(url("contracts_contract_change", contract.pk))

    assert response.status_code == 200
    page = page_text(response)
    assert "Demandes d'attestation" in page
    assert page.count("Demande envoyée") == 21
    assert "Attestation générée" in page
    assert url("documents_attestationrequest_change", held.pk) in response.content.decode()
