"""Prior validation: the task opened for a request, « Valider », « Refuser », the audit trail.

The race of two deciders on PostgreSQL is in ``test_validation_race.py``.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from documents.attestations.selectors import attestation_request_field_values
from documents.attestations.submit import RequestRefused
from documents.attestations.validation import (
    AttestationDecisionImpossible,
    attestation_request_approve,
    attestation_request_refuse,
    attestation_validation_open,
)
from documents.models import AttestationRequest, Document
from intranet.access import document_for_staff_user
from tasks.models import Task, TaskType
from tasks.selectors import task_decision_taken_message
from tests import docx_models, factories
from tests.documents.generation_helpers import template_make
from tests.documents.validation_helpers import (
    attestation_template_make,
    generated_files,
    request_generate,
    request_held,
    request_submit,
    validation_template_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(fleet):
    return fleet[0]


@pytest.fixture
def vehicle(fleet):
    return fleet[1]


@pytest.fixture
def template(contract):
    return attestation_template_make(contract)


@pytest.fixture
def validation(other_staff):
    """Bob receives the validation tasks."""
    return validation_template_make(other_staff)


@pytest.fixture
def held(
    client_a_user, contract, vehicle, template, validation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        return request_held(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )


def kinds(request) -> list[str]:
    return list(request.events.values_list("kind", flat=True))


def extranet_download(http, document_pk):
    return http.get(reverse("extranet:document_download", args=[document_pk]))


# -- the whole path, as the client and the cabinet see it -------------------------------------


def client_page(http, name, *args) -> str:
    response = http.get(reverse(f"extranet:{name}", args=args))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_without_validation_the_attestation_is_shared_at_once(
    client_a_user, contract, vehicle, template, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )

    request.refresh_from_db()
    assert not request.needs_validation and request.task is None
    assert request.status == AttestationRequest.Status.READY
    assert request.document.shared_on_extranet
    assert not Task.objects.exists()
    assert kinds(request) == ["submitted", "generated", "shared"]
    client.force_login(client_a_user)
    assert extranet_download(client, request.document_id).status_code == 200


def test_with_validation_the_client_waits_then_downloads_once_validated(
    client_a_user, contract, vehicle, template, validation, other_staff, client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )

    request.refresh_from_db()
    assert request.needs_validation and request.task is not None
    assert request.status == AttestationRequest.Status.AWAITING_VALIDATION
    document = request.document
    assert document is not None and not document.shared_on_extranet
    client.force_login(client_a_user)
    page = client_page(client, "attestation_request", request.pk)
    assert "Votre demande a été transmise au cabinet pour traitement" in page
    assert "En attente de validation" in client_page(client, "attestation_requests")
    assert document.title not in client_page(client, "contract_documents", contract.pk)
    assert extranet_download(client, document.pk).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_approve(request=request, user=other_staff)

    assert "Votre attestation est prête." in client_page(client, "attestation_request", request.pk)
    assert document.title in client_page(client, "contract_documents", contract.pk)
    assert extranet_download(client, document.pk).status_code == 200


def test_with_validation_a_refusal_and_its_reason_reach_the_client(
    held, other_staff, client, client_a_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attestation_request_refuse(
            request=held, user=other_staff, reason="Merci de nous appeler au préalable."
        )

    client.force_login(client_a_user)
    page = client_page(client, "attestation_request", held.pk)
    assert "Votre demande a été refusée." in page
    assert "Motif : Merci de nous appeler au préalable." in page
    assert "Refusée" in client_page(client, "attestation_requests")


def test_an_unpaid_contract_can_request_when_validation_applies(
    client_a, client_a_user, other_staff, django_capture_on_commit_callbacks
):
    # In force, but no quittance paid: not eligible.
    contract = factories.ContractFactory(client=client_a, numero="FL-2026-0099")
    factories.QuittanceFactory(contract=contract)
    template = template_make(
        docx_models.attestation_model(beneficiary=False, fields=False), pdf_conversion=False
    )
    template.product_links.create(product=contract.product)

    with pytest.raises(RequestRefused):
        request_submit(user=client_a_user, contract=contract, template=template, values={})
    assert not AttestationRequest.objects.exists()

    validation_template_make(other_staff)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            user=client_a_user, contract=contract, template=template, values={}
        )

    request.refresh_from_db()
    assert request.needs_validation and request.task.is_open
    assert request.status == AttestationRequest.Status.AWAITING_VALIDATION
    assert not request.document.shared_on_extranet


# -- opening the task -------------------------------------------------------------------------


def test_a_request_under_validation_opens_a_task_for_the_templates_recipients(
    client_a_user, contract, vehicle, template, other_staff, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    validation_template_make(
        other_staff,
        subject="Attestation à valider",
        due_in_days=3,
        is_priority=True,
        description="Contrôler le motif.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )

    task = request.task
    assert task is not None and Task.objects.count() == 1
    assert task.type == TaskType.VALIDATION_EXTRANET and task.is_open
    assert task.subject == (
        "Attestation à valider – FL-2026-0042 – Attestation véhicule – GH-456-JK – Peugeot 308"
    )
    assert task.due_date == factories.today() + datetime.timedelta(days=3)
    assert task.is_priority and task.description == "Contrôler le motif."
    assert (task.client, task.contract, task.requested_by) == (
        contract.client,
        contract,
        client_a_user,
    )
    assert list(task.recipient_users.all()) == [other_staff]
    assert AttestationRequest.objects.get(pk=request.pk).task == task
    # Bob is told, with a link to the task.
    assert [m.to for m in mailoutbox] == [["bob@cabinet.fr"]]
    assert "Attestation à valider" in mailoutbox[0].subject
    assert f"/intranet/mes-taches/{task.pk}/" in mailoutbox[0].body


def test_without_an_applicable_template_no_task_is_opened(
    client_a_user, contract, template, other_staff
):
    validation_template_make(other_staff, is_active=False)
    validation_template_make(other_staff, products=[factories.ProductFactory(name="Santé")])
    request = AttestationRequest.objects.create(
        user=client_a_user, contract=contract, template=template, title="Attestation"
    )

    assert attestation_validation_open(request=request) == []
    assert request.task is None and not Task.objects.exists()


def test_two_applicable_templates_make_one_task_for_all_their_recipients(
    client_a_user, contract, vehicle, template, other_staff, carol, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    validation_template_make(other_staff, due_in_days=5, is_priority=False)
    validation_template_make(carol, due_in_days=2, is_priority=True, products=[contract.product])

    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle
        )

    task = Task.objects.get()
    assert request.task == task
    assert set(task.recipient_users.all()) == {other_staff, carol}
    assert task.due_date == factories.today() + datetime.timedelta(days=2)
    assert task.is_priority
    # One message each, for the one task that exists.
    assert sorted(m.to[0] for m in mailoutbox) == ["bob@cabinet.fr", "carol@cabinet.fr"]
    assert all(f"/mes-taches/{task.pk}/" in m.body for m in mailoutbox)


# -- « Valider » ------------------------------------------------------------------------------


def test_approving_shares_the_attestation_with_its_client_and_no_other(
    held, other_staff, client, client_a_user, client_b_user, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    document = held.document
    client.force_login(client_a_user)
    assert extranet_download(client, document.pk).status_code == 404  # pending: invisible
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_approve(request=held, user=other_staff) is True

    held.refresh_from_db()
    document.refresh_from_db()
    assert held.status == AttestationRequest.Status.READY
    assert (held.decided_by, held.document) == (other_staff, document)
    assert document.shared_on_extranet and document.shared_by == other_staff
    assert document.shared_at is not None
    task = Task.objects.get(pk=held.task_id)
    assert task.status == Task.Status.APPROVED and task.decided_by == other_staff
    assert task.decided_at is not None
    assert kinds(held) == ["submitted", "generated", "validated", "shared"]
    assert held.events.get(kind="shared").actor == other_staff

    # Its client downloads it from « Documents »; another client gets a 404.
    response = extranet_download(client, document.pk)
    assert response.status_code == 200
    with document.word_file.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    listing = client.get(reverse("extranet:contract_documents", args=[held.contract_id]))
    assert document.title in listing.content.decode()
    client.force_login(client_b_user)
    assert extranet_download(client, document.pk).status_code == 404

    # The client is told, with the link to the contract's documents.
    assert [m.to for m in mailoutbox] == [["charlie@dupont.fr"]]
    assert "Votre attestation est disponible" in mailoutbox[0].subject
    assert (
        f"http://127.0.0.1:8000/extranet/contrats/{held.contract_id}/documents/"
        in mailoutbox[0].body
    )


@pytest.mark.libreoffice
def test_approving_a_pdf_model_shares_the_pdf(
    client_a_user, contract, vehicle, validation, other_staff, client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    template = attestation_template_make(contract, pdf=True)
    request = request_held(
        user=client_a_user, contract=contract, template=template, beneficiary=vehicle
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_approve(request=request, user=other_staff)

    client.force_login(client_a_user)
    response = extranet_download(client, request.document_id)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = docx_models.pdf_text(b"".join(response.streaming_content))
    assert request.numero in text and "Salon Equip Auto" in text


# -- « Refuser » ------------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_refusing_destroys_the_word_file_and_the_pdf_and_keeps_the_request(
    client_a_user, contract, vehicle, validation, other_staff, client, mailoutbox,
    _private_storage, django_capture_on_commit_callbacks,
):  # fmt: skip
    template = attestation_template_make(contract, pdf=True)
    request = request_held(
        user=client_a_user, contract=contract, template=template, beneficiary=vehicle
    )
    document = request.document
    assert generated_files(_private_storage) == sorted(
        [document.word_file.name, document.pdf_file.name]
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_refuse(
            request=request, user=other_staff, reason="Le véhicule est sorti du contrat."
        )

    # Nothing left in the storage (listed, not trusted from the database), no row.
    assert generated_files(_private_storage) == []
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not contract.documents.exists()
    request.refresh_from_db()
    assert request.status == AttestationRequest.Status.REFUSED
    assert request.refusal_reason == "Le véhicule est sorti du contrat."
    assert (request.document, request.decided_by) == (None, other_staff)
    assert request.numero == document.numero  # the number stays readable
    task = Task.objects.get(pk=request.task_id)
    assert task.status == Task.Status.REFUSED
    assert task.decision_note == "Le véhicule est sorti du contrat."
    # The audit trail outlives the document.
    assert kinds(request) == ["submitted", "generated", "refused", "destroyed"]
    destroyed = request.events.get(kind="destroyed")
    assert destroyed.actor == other_staff and document.numero in destroyed.detail
    assert ".pdf" in destroyed.detail and ".docx" in destroyed.detail
    assert request.events.get(kind="refused").detail == "Le véhicule est sorti du contrat."
    # The client is told why; the document never reaches them.
    assert [m.to for m in mailoutbox] == [["charlie@dupont.fr"]]
    assert "refusée" in mailoutbox[0].subject
    assert "Motif : Le véhicule est sorti du contrat." in mailoutbox[0].body
    client.force_login(client_a_user)
    assert extranet_download(client, document.pk).status_code == 404


def test_refusing_without_a_reason_tells_the_client_so(
    held, other_staff, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_refuse(request=held, user=other_staff)

    held.refresh_from_db()
    assert held.refusal_reason == ""
    assert "Aucun motif n'a été précisé" in mailoutbox[0].body


def test_a_refusal_rolled_back_leaves_the_attestation_whole(
    held, other_staff, _private_storage, django_capture_on_commit_callbacks
):
    files = generated_files(_private_storage)
    assert len(files) == 1

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        attestation_request_refuse(request=held, user=other_staff, reason="x")
        raise RuntimeError("la transaction de l'appelant échoue après coup")

    assert callbacks == []  # the file deletion was never scheduled to run
    assert generated_files(_private_storage) == files
    held.refresh_from_db()
    assert held.status == AttestationRequest.Status.AWAITING_VALIDATION
    assert held.document is not None and held.task.is_open
    assert kinds(held) == ["submitted", "generated"]


# -- one decision, by the right people --------------------------------------------------------


def test_a_task_is_decided_once_the_second_decider_is_told_by_whom(
    held, other_staff, superuser, _private_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_approve(request=held, user=other_staff) is True

    second = AttestationRequest.objects.select_related("task").get(pk=held.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert attestation_request_refuse(request=second, user=superuser, reason="non") is False

    # The approval stands: nothing destroyed, nothing refused.
    held.refresh_from_db()
    assert held.status == AttestationRequest.Status.READY and held.refusal_reason == ""
    assert held.document.shared_on_extranet
    assert len(generated_files(_private_storage)) == 1
    assert kinds(held) == ["submitted", "generated", "validated", "shared"]
    message = task_decision_taken_message(task=second.task)
    assert message.startswith("Cette tâche a déjà été traitée par Bob (validée) le ")


def test_only_recipients_or_staff_allowed_to_decide_any_task_decide(
    held, carol, client_a_user, _private_storage
):
    for user in (carol, client_a_user):
        with pytest.raises(PermissionDenied):
            attestation_request_approve(request=held, user=user)
        with pytest.raises(PermissionDenied):
            attestation_request_refuse(request=held, user=user)
    held.refresh_from_db()
    assert held.status == AttestationRequest.Status.AWAITING_VALIDATION and held.task.is_open
    assert len(generated_files(_private_storage)) == 1

    carol.user_permissions.add(Permission.objects.get(codename="decide_any_task"))
    carol = type(carol).objects.get(pk=carol.pk)  # permissions are cached per instance
    assert attestation_request_approve(request=held, user=carol) is True


def test_the_decision_waits_for_the_attestation_to_be_generated(
    client_a_user, contract, vehicle, template, validation, other_staff
):
    request = request_submit(
        user=client_a_user, contract=contract, template=template, beneficiary=vehicle
    )
    assert request.status == AttestationRequest.Status.PENDING

    for decide in (
        lambda: attestation_request_approve(request=request, user=other_staff),
        lambda: attestation_request_refuse(request=request, user=other_staff),
    ):
        with pytest.raises(AttestationDecisionImpossible, match="en cours de génération"):
            decide()
    # Nothing was decided: the task is open, in the database and in memory.
    assert request.task.is_open
    assert Task.objects.get(pk=request.task_id).is_open

    request_generate(request)
    assert attestation_request_approve(request=request, user=other_staff) is True


def test_a_request_without_task_cannot_be_decided(client_a_user, contract, template, staff_user):
    request = AttestationRequest.objects.create(
        user=client_a_user, contract=contract, template=template, title="Attestation"
    )
    with pytest.raises(AttestationDecisionImpossible):
        attestation_request_approve(request=request, user=staff_user)


def test_a_shared_attestation_whose_file_vanished_is_not_shared(
    held, other_staff, django_capture_on_commit_callbacks
):
    held.document.word_file.storage.delete(held.document.word_file.name)

    with pytest.raises(AttestationDecisionImpossible, match="introuvable"):
        attestation_request_approve(request=held, user=other_staff)

    held.refresh_from_db()
    assert held.status == AttestationRequest.Status.AWAITING_VALIDATION and held.task.is_open
    assert not held.document.shared_on_extranet


# -- reads ------------------------------------------------------------------------------------


def test_field_values_are_shown_with_their_labels_in_the_models_order(held, template):
    shown = [(v.label, v.value) for v in attestation_request_field_values(request=held)]
    assert shown == [
        ("Motif de l'attestation", "Salon Equip Auto"),
        ("Date début", "01/12/2026"),
        ("Date fin", "05/12/2026"),
    ]
    # A field removed from the model since keeps a label from its name.
    template.fields.filter(name="date_fin").delete()
    assert [v.label for v in attestation_request_field_values(request=held)][1:] == [
        "Date début",
        "Date fin",
    ]
    # So does every field once the model itself is deleted (in the stored order: PostgreSQL's
    # jsonb keeps no key order).
    template.product_links.all().delete()
    template.delete()
    held.refresh_from_db()
    assert sorted(v.label for v in attestation_request_field_values(request=held)) == [
        "Date début",
        "Date fin",
        "Motif",
    ]


def test_a_date_stored_as_a_date_picker_sends_it_is_shown_as_typed_in_french(held):
    AttestationRequest.objects.filter(pk=held.pk).update(
        values={**held.values, "date_debut": "2026-12-01", "date_fin": "pas une date"}
    )
    held.refresh_from_db()
    shown = {v.name: v.value for v in attestation_request_field_values(request=held)}
    assert (shown["date_debut"], shown["date_fin"]) == ("01/12/2026", "pas une date")


def test_staff_open_a_pending_attestation_if_recipient_or_allowed_to_view_documents(
    held, other_staff, staff_user, carol, client_a_user
):
    document = held.document
    assert document_for_staff_user(other_staff, document.pk) == document  # recipient
    assert document_for_staff_user(staff_user, document.pk) == document  # superuser
    for user in (carol, client_a_user):
        with pytest.raises(Http404):
            document_for_staff_user(user, document.pk)
    carol.user_permissions.add(Permission.objects.get(codename="view_document"))
    carol = type(carol).objects.get(pk=carol.pk)
    assert document_for_staff_user(carol, document.pk) == document
    with pytest.raises(Http404):
        document_for_staff_user(carol, "abc")


# -- never on the extranet while pending ------------------------------------------------------


def _extranet_urls(ids) -> list[str]:
    """Every extranet route: once when it takes no id, once per id when it takes a ``pk``."""
    from extranet.urls import urlpatterns

    urls = []
    for pattern in urlpatterns:
        converters = set(pattern.pattern.converters)
        if not converters:
            urls.append(reverse(f"extranet:{pattern.name}"))
        elif converters == {"pk"}:
            urls += [reverse(f"extranet:{pattern.name}", args=[pk]) for pk in ids]
    return urls


def test_a_pending_attestation_is_on_no_extranet_url(held, client, client_a_user):
    """Every extranet route, with every id that could name it (document, request, contract),
    plain and as htmx asks: none serves the file or links to it; its download is a 404."""
    document = held.document
    with document.word_file.open("rb") as handle:
        stored = handle.read()
    download = reverse("extranet:document_download", args=[document.pk])
    client.force_login(client_a_user)
    urls = _extranet_urls([document.pk, held.pk, held.contract_id])
    assert download in urls and len(urls) >= 15

    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert stored not in body, url
            assert download.encode() not in body, url
            assert document.title.encode() not in body or url.startswith("/extranet/demandes/")
    assert client.get(download).status_code == 404
