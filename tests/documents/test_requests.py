"""Attestation requests: which models, availability, submit checks, the job, failures, retry."""

import datetime

import pytest
from django.utils import timezone

from documents.attestations import process as request_services
from documents.attestations.jobs import in_process_jobs_wait
from documents.attestations.process import attestation_request_process
from documents.attestations.selectors import (
    attestation_models_for,
    attestation_request_availability,
    attestation_request_can_retry,
    attestation_request_client_error,
    attestation_validation_required,
)
from documents.attestations.submit import (
    RequestRefused,
    attestation_request_retry,
    attestation_request_submit,
)
from documents.attestations.values import MAX_VALUE_LENGTH, typed_date_parse
from documents.engine import ConversionError
from documents.models import (
    AttestationEvent,
    AttestationRequest,
    Document,
    DocumentTemplate,
    ProductAttestationModel,
    TemplateField,
)
from documents.selectors import documents_shared_for_contract
from tests import docx_models, factories
from tests.documents.generation_helpers import stored_files, template_make
from tests.documents.request_helpers import (
    EVENT_VALUES,
    fleet_offer_make,
    request_make,
    unpaid_contract_make,
)
from tests.helpers import run_at_once

Status = AttestationRequest.Status
Kind = AttestationEvent.Kind


def kinds(request) -> list[str]:
    return list(request.events.order_by("at", "id").values_list("kind", flat=True))


def word_text(document) -> str:
    with document.word_file.open("rb") as handle:
        return docx_models.docx_text(handle.read())


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


@pytest.fixture
def submit(client_a_user, offer, django_capture_on_commit_callbacks):
    """Submit as charlie (client A) and run what is sent after commit, as a worker would."""

    def run(*, user=client_a_user, contract=None, beneficiary=offer.vehicle, model=None,
            values=None):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            return attestation_request_submit(
                user=user,
                contract=contract or offer.contract,
                beneficiary=beneficiary,
                product_model=model or offer.vehicle_model,
                values=dict(EVENT_VALUES) if values is None else values,
            )

    return run


# -- which models, availability, validation ---------------------------------------------------


@pytest.mark.django_db
def test_models_follow_the_beneficiary_choice(client_a):
    offer = fleet_offer_make(client_a, green_card=True)
    other_product = factories.ProductFactory(name="RC Pro", beneficiary_kind="")
    ProductAttestationModel.objects.create(
        product=other_product, template=offer.contract_model.template
    )
    courrier = template_make(b"x", name="Courrier", type=DocumentTemplate.Type.COURRIER)
    ProductAttestationModel.objects.create(product=offer.contract.product, template=courrier)

    for_vehicle = attestation_models_for(contract=offer.contract, beneficiary_chosen=True)
    for_contract = attestation_models_for(contract=offer.contract, beneficiary_chosen=False)

    assert [m.display_title for m in for_vehicle] == [
        "Attestation pour un événement",
        "Carte verte provisoire",  # no extranet title: the model's name
    ]
    assert [m.display_title for m in for_contract] == ["Attestation du contrat"]


@pytest.mark.django_db
def test_a_product_without_beneficiaries_offers_no_beneficiary_model(client_a, offer):
    offer.contract.product.beneficiary_kind = ""
    offer.contract.product.save()
    assert attestation_models_for(contract=offer.contract, beneficiary_chosen=True) == []


@pytest.mark.django_db
def test_availability_of_an_eligible_contract(offer):
    availability = attestation_request_availability(contract=offer.contract)
    assert (availability.has_models, availability.can_request) == (True, True)
    assert availability.reason == "" and not availability.needs_validation


@pytest.mark.django_db
def test_no_model_on_the_product_means_no_button(client_a):
    contract = factories.ContractFactory(client=client_a)
    availability = attestation_request_availability(contract=contract)
    assert not availability.has_models and not availability.can_request


@pytest.mark.django_db
def test_unpaid_contract_cannot_be_asked_and_says_why(client_a, offer):
    contract = unpaid_contract_make(client_a, offer.contract.product)
    availability = attestation_request_availability(contract=contract)
    assert availability.has_models and not availability.can_request
    assert availability.reason == (
        "La quittance couvrant la date du jour n'est pas entièrement réglée."
    )


@pytest.mark.django_db
def test_terminated_contract_cannot_be_asked(offer):
    offer.contract.status = offer.contract.Status.RESILIE
    offer.contract.save()
    assert attestation_request_availability(contract=offer.contract).reason == (
        "Votre contrat est résilié."
    )


@pytest.mark.django_db
def test_validation_ignores_the_eligibility_conditions(client_a, offer):
    contract = unpaid_contract_make(client_a, offer.contract.product)
    factories.TaskTemplateFactory(products=[offer.contract.product])

    availability = attestation_request_availability(contract=contract)

    assert availability.can_request and availability.needs_validation
    assert attestation_validation_required(contract=contract)


@pytest.mark.django_db
def test_validation_applies_only_to_its_products_and_when_active(client_a, offer):
    other = factories.ProductFactory(name="Multirisque immeuble")
    template = factories.TaskTemplateFactory(products=[other])
    assert not attestation_validation_required(contract=offer.contract)

    template.products.clear()  # no product: every product
    assert attestation_validation_required(contract=offer.contract)

    template.is_active = False
    template.save()
    assert not attestation_validation_required(contract=offer.contract)

    factories.TaskTemplateFactory(type="action")  # not a validation task
    assert not attestation_validation_required(contract=offer.contract)


@pytest.mark.django_db
def test_only_beneficiary_models_and_nobody_covered(client_a):
    offer = fleet_offer_make(client_a, contract_model=False)
    offer.vehicle.date_sortie = timezone.localdate() - datetime.timedelta(days=1)
    offer.vehicle.save()
    availability = attestation_request_availability(contract=offer.contract)
    assert not availability.can_request
    assert availability.reason == "Aucun bénéficiaire n'est couvert par ce contrat à ce jour."


# -- submit and generate ----------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_generates_a_shared_document_in_the_contracts_documents(
    offer, submit, client_a_user, _private_storage
):
    request = submit()

    request.refresh_from_db()
    assert request.status == Status.READY
    assert (request.user, request.contract, request.beneficiary) == (
        client_a_user,
        offer.contract,
        offer.vehicle,
    )
    assert request.template == offer.vehicle_model.template
    assert request.title == "Attestation pour un événement"
    assert request.beneficiary_label == "GH-456-JK – Peugeot 308"
    # Dates typed either way are kept the French way.
    assert request.values == {
        "motif": "Salon de l'auto <Lyon> & co",
        "date_debut": "01/12/2026",
        "date_fin": "03/12/2026",
    }
    document = request.document
    assert request.numero == document.numero and document.numero.startswith("ATT-")
    assert document.shared_on_extranet and document.shared_by == client_a_user
    assert list(documents_shared_for_contract(offer.contract)) == [document]
    assert document.pdf_file.name == ""  # this model is not converted: Word
    text = word_text(document)
    assert "GH-456-JK" in text and "Motif : Salon de l'auto <Lyon> & co" in text
    assert "Du 01/12/2026 au 03/12/2026" in text
    assert kinds(request) == [Kind.SUBMITTED, Kind.GENERATED, Kind.SHARED]
    assert request.attempts == 1 and request.error == ""


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_a_model_converted_to_pdf_gives_a_pdf(
    client_a, client_a_user, django_capture_on_commit_callbacks
):
    offer = fleet_offer_make(client_a, pdf=True)
    with django_capture_on_commit_callbacks(execute=True):
        request = attestation_request_submit(
            user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
            product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
        )  # fmt: skip

    request.refresh_from_db()
    with request.document.pdf_file.open("rb") as handle:
        text = docx_models.pdf_text(handle.read())
    assert "GH-456-JK" in text and "Salon de l'auto <Lyon> & co" in text
    assert "Du 01/12/2026 au 03/12/2026" in text


@pytest.mark.django_db
def test_the_job_is_sent_only_once_the_request_is_committed(
    offer, client_a_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request = attestation_request_submit(
            user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
            product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
        )  # fmt: skip
        request.refresh_from_db()
        assert request.status == Status.PENDING and request.document is None

    assert len(callbacks) == 1
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_contract_attestation_has_no_beneficiary(offer, submit):
    request = submit(beneficiary=None, model=offer.contract_model, values={})
    request.refresh_from_db()
    assert request.status == Status.READY
    assert request.beneficiary is None and request.beneficiary_label == ""
    assert request.document.beneficiary is None


@pytest.mark.django_db
def test_with_validation_the_document_waits_unshared_and_a_task_is_opened(
    offer, submit, staff_user
):
    factories.TaskTemplateFactory(products=[offer.contract.product])

    request = submit()

    request.refresh_from_db()
    assert request.needs_validation
    assert request.status == Status.AWAITING_VALIDATION
    assert request.task is not None and request.task.contract == offer.contract
    assert request.document is not None and not request.document.shared_on_extranet
    assert list(documents_shared_for_contract(offer.contract)) == []
    assert kinds(request) == [Kind.SUBMITTED, Kind.GENERATED]


# -- what the service refuses, whatever the form did ------------------------------------------


def _refused(run, **kwargs) -> RequestRefused:
    with pytest.raises(RequestRefused) as caught:
        run(**kwargs)
    assert not AttestationRequest.objects.exists()
    return caught.value


@pytest.mark.django_db
def test_a_model_of_another_product_is_refused(client_a, submit):
    product = factories.ProductFactory(name="Flotte poids lourds")
    foreign = ProductAttestationModel.objects.create(
        product=product,
        template=template_make(b"x", name="Autre", entity=DocumentTemplate.Entity.BENEFICIAIRE),
    )
    refused = _refused(submit, model=foreign)
    assert refused.field == "product_model"
    assert str(refused) == "Ce modèle d'attestation n'est pas proposé pour ce bénéficiaire."


@pytest.mark.django_db
def test_the_model_must_match_the_beneficiary_choice(offer, submit):
    assert _refused(submit, model=offer.contract_model).field == "product_model"
    assert _refused(submit, beneficiary=None, model=offer.vehicle_model).field == "product_model"


@pytest.mark.django_db
def test_a_beneficiary_of_another_contract_is_refused(client_a, offer, submit):
    other = factories.ContractFactory(client=client_a, product=offer.contract.product)
    stranger = factories.VehicleFactory(contract=other)
    refused = _refused(submit, beneficiary=stranger)
    assert refused.field == "beneficiary"
    assert str(refused) == "Ce bénéficiaire n'est pas couvert par ce contrat à ce jour."


@pytest.mark.django_db
def test_a_beneficiary_who_left_is_refused(offer, submit):
    offer.vehicle.date_sortie = timezone.localdate() - datetime.timedelta(days=1)
    offer.vehicle.save()
    assert _refused(submit).field == "beneficiary"


@pytest.mark.django_db
def test_another_clients_contract_is_refused(offer, submit, client_b_user):
    refused = _refused(submit, user=client_b_user)
    assert str(refused) == "Ce contrat n'est pas accessible depuis votre compte."


@pytest.mark.django_db
def test_an_unpaid_contract_is_refused_with_the_reason(client_a, offer, submit):
    contract = unpaid_contract_make(client_a, offer.contract.product)
    refused = _refused(submit, contract=contract, beneficiary=None, model=offer.contract_model,
                       values={})  # fmt: skip
    assert str(refused) == "La quittance couvrant la date du jour n'est pas entièrement réglée."


@pytest.mark.django_db
def test_a_field_the_model_does_not_have_is_refused(submit):
    refused = _refused(submit, values={**EVENT_VALUES, "contrat": "FAUX"})
    assert "ne correspond pas au modèle choisi" in str(refused)


BAD_DATE = "Saisissez une date au format jj/mm/aaaa, par exemple 28/11/2026."
TOO_LONG = "Ce texte est trop long (10 000 caractères au plus)."


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("motif", "", "Ce champ est obligatoire."),
        ("motif", "   ", "Ce champ est obligatoire."),
        ("date_debut", "31/02/2026", "Cette date n'existe pas : vérifiez le jour et le mois."),
        ("date_debut", "2026-13-01", "Cette date n'existe pas : vérifiez le jour et le mois."),
        ("date_debut", "01/12/0026", "Vérifiez l'année de cette date."),
        ("date_fin", "demain", BAD_DATE),
        ("date_fin", "1/12/26", BAD_DATE),
        ("motif", "x" * (MAX_VALUE_LENGTH + 1), TOO_LONG),
        ("motif", ["liste"], "Valeur invalide."),
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_values_are_checked_field_by_field(submit, name, value, error):
    refused = _refused(submit, values={**EVENT_VALUES, name: value})
    assert refused.value_errors == {name: error}


@pytest.mark.django_db
def test_numbers_and_choices_are_checked(offer, submit):
    template = offer.vehicle_model.template
    TemplateField.objects.create(
        template=template,
        name="nombre_places",
        label="Places",
        type=TemplateField.Type.NUMBER,
        position=10,
    )
    TemplateField.objects.create(
        template=template, name="zone", label="Zone", position=11,
        type=TemplateField.Type.CHOICE, choices="France\nEurope\n",
    )  # fmt: skip

    refused = _refused(submit, values={**EVENT_VALUES, "nombre_places": "douze", "zone": "Mars"})
    assert refused.value_errors == {
        "nombre_places": "Saisissez un nombre, par exemple 1 500 ou 12,5.",
        "zone": "Choisissez une valeur de la liste.",
    }

    request = submit(values={**EVENT_VALUES, "nombre_places": "1 500,5", "zone": "Europe"})
    assert request.values["nombre_places"] == "1 500,5" and request.values["zone"] == "Europe"


@pytest.mark.django_db
def test_an_optional_field_may_stay_empty_and_a_long_text_is_kept(offer, submit):
    TemplateField.objects.filter(template=offer.vehicle_model.template, name="date_fin").update(
        required=False
    )
    request = submit(values={**EVENT_VALUES, "date_fin": "", "motif": "x" * MAX_VALUE_LENGTH})
    assert request.values["date_fin"] == "" and len(request.values["motif"]) == MAX_VALUE_LENGTH


# -- the hourly limit -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_hourly_limit_refuses_with_a_clear_message(offer, submit, settings):
    settings.ATTESTATION_REQUESTS_PER_HOUR = 2

    def another(motif):  # not the same request sent twice, which is no new request at all
        return submit(values={**EVENT_VALUES, "motif": motif})

    first = another("Salon 1")
    another("Salon 2")
    with pytest.raises(RequestRefused) as caught:
        another("Salon 3")
    free_at = timezone.localtime(first.created_at + datetime.timedelta(hours=1))
    assert str(caught.value) == (
        "Vous avez atteint la limite de 2 demandes d'attestation par heure. Vous pourrez en "
        f"envoyer une nouvelle à partir de {free_at:%H:%M}."
    )
    assert AttestationRequest.objects.count() == 2

    # An hour later the first one no longer counts.
    AttestationEvent.objects.filter(request=first).update(
        at=timezone.now() - datetime.timedelta(hours=1, minutes=1)
    )
    another("Salon 4")
    assert AttestationRequest.objects.count() == 3


@pytest.mark.django_db
def test_the_limit_is_per_account(client_a, offer, submit, settings):
    settings.ATTESTATION_REQUESTS_PER_HOUR = 1
    colleague = factories.UserFactory(username="paul@dupont.fr")
    factories.ExtranetAccessFactory(user=colleague, client=client_a)
    submit()
    submit(user=colleague)
    assert AttestationRequest.objects.count() == 2


# -- failures and retry -----------------------------------------------------------------------


def _conversion_down(monkeypatch):
    """Fault injected: the converter fails every time (LibreOffice down)."""

    def fail(docx, **kwargs):
        raise ConversionError("Aucun convertisseur PDF n'est disponible (test).")

    monkeypatch.setattr("documents.engine.convert_to_pdf", fail)


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_a_failed_generation_is_kept_with_its_error_and_a_retry_makes_one_document(
    client_a, client_a_user, monkeypatch, django_capture_on_commit_callbacks, _private_storage
):
    offer = fleet_offer_make(client_a, pdf=True)
    _conversion_down(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        request = attestation_request_submit(
            user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
            product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
        )  # fmt: skip

    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert request.attempts == 3  # the job tried the conversion again twice
    assert attestation_request_client_error(request) == (
        "La conversion de votre attestation en PDF a échoué. Réessayez dans quelques instants ;"
        " si le problème persiste, contactez votre cabinet."
    )
    assert "ConversionError: Aucun convertisseur PDF n'est disponible (test)." in request.error
    assert kinds(request) == [Kind.SUBMITTED, Kind.FAILED]
    assert request.events.get(kind=Kind.FAILED).detail == request.error
    assert not Document.objects.exists()
    assert not [f for f in stored_files(_private_storage) if f.startswith("documents/")]
    assert attestation_request_can_retry(request)

    monkeypatch.undo()  # the converter is back
    with django_capture_on_commit_callbacks(execute=True):
        attestation_request_retry(request=request, user=client_a_user)

    request.refresh_from_db()
    assert request.status == Status.READY and request.error == ""
    assert Document.objects.count() == 1 and request.document.pdf_file
    assert kinds(request) == [Kind.SUBMITTED, Kind.FAILED, Kind.RETRIED, Kind.GENERATED,
                              Kind.SHARED]  # fmt: skip
    assert request.events.get(kind=Kind.RETRIED).actor == client_a_user


@pytest.mark.django_db
def test_a_broken_model_fails_with_a_message_for_the_client(offer, submit):
    template = offer.vehicle_model.template
    with template.file.open("wb") as handle:
        handle.write(docx_models.injection_model())
    TemplateField.objects.filter(template=template).update(required=False)

    request = submit(values={})

    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert attestation_request_client_error(request).startswith(
        "Le modèle d'attestation n'a pas pu être rempli."
    )
    assert "TemplateInvalid" in request.error and request.attempts == 1


@pytest.mark.django_db
def test_a_model_deleted_meanwhile_fails_clearly(offer, client_a_user):
    request = request_make(offer, client_a_user, template=None)
    attestation_request_process(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert attestation_request_client_error(request) == (
        "Le modèle d'attestation demandé n'existe plus."
    )


@pytest.mark.django_db
def test_processing_twice_makes_one_document(offer, submit):
    request = submit()
    attestation_request_process(request_id=request.pk)
    attestation_request_process(request_id=request.pk)
    request.refresh_from_db()
    assert Document.objects.count() == 1 and request.attempts == 1
    assert kinds(request).count(Kind.GENERATED) == 1


@pytest.mark.django_db
def test_a_generation_left_by_a_dead_worker_is_taken_again_once_stale(
    offer, client_a_user, settings
):
    request = request_make(offer, client_a_user, status=Status.GENERATING, attempts=1)

    attestation_request_process(request_id=request.pk)  # still fresh: someone is on it
    assert not Document.objects.exists()

    stale = timezone.now() - datetime.timedelta(
        seconds=settings.ATTESTATION_REQUEST_STALE_SECONDS + 1
    )
    AttestationRequest.objects.filter(pk=request.pk).update(updated_at=stale)
    attestation_request_process(request_id=request.pk)

    request.refresh_from_db()
    assert request.status == Status.READY and request.attempts == 2
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_an_attempt_that_lost_the_request_leaves_no_document(
    offer, client_a_user, monkeypatch, _private_storage, django_capture_on_commit_callbacks
):
    """Fault injected: while this attempt generates, another one takes the request over
    (this one was thought dead). Its document must vanish, files included."""
    request = request_make(offer, client_a_user)
    generate = request_services.attestation_generate

    def generate_then_lose_the_claim(**kwargs):
        document = generate(**kwargs)
        AttestationRequest.objects.filter(pk=request.pk).update(attempts=99)
        return document

    monkeypatch.setattr(request_services, "attestation_generate", generate_then_lose_the_claim)
    # The job runs in autocommit: files are deleted when the destroy "commits".
    with django_capture_on_commit_callbacks(execute=True):
        attestation_request_process(request_id=request.pk)

    request.refresh_from_db()
    assert request.document is None and request.status == Status.GENERATING
    assert not Document.objects.exists()
    assert not [f for f in stored_files(_private_storage) if f.startswith("documents/")]
    assert kinds(request) == []


@pytest.mark.django_db
def test_only_a_failed_or_lost_request_can_be_retried(offer, submit, client_a_user, settings):
    request = submit()
    with pytest.raises(RequestRefused, match="n'est pas en échec"):
        attestation_request_retry(request=request, user=client_a_user)

    pending = request_make(offer, client_a_user)
    assert not attestation_request_can_retry(pending)
    stale = timezone.now() - datetime.timedelta(
        seconds=settings.ATTESTATION_REQUEST_STALE_SECONDS + 1
    )
    AttestationRequest.objects.filter(pk=pending.pk).update(updated_at=stale)
    pending.refresh_from_db()
    assert attestation_request_can_retry(pending)  # its job was lost: the client may resend


@pytest.mark.django_db
def test_a_retry_checks_the_contract_again(offer, client_a_user):
    request = request_make(offer, client_a_user, status=Status.FAILED, error="x")
    offer.contract.status = offer.contract.Status.RESILIE
    offer.contract.save()

    with pytest.raises(RequestRefused, match="Votre contrat est résilié."):
        attestation_request_retry(request=request, user=client_a_user)
    request.refresh_from_db()
    assert request.status == Status.FAILED


@pytest.mark.django_db
def test_retries_count_in_the_hourly_limit(offer, client_a_user, settings):
    settings.ATTESTATION_REQUESTS_PER_HOUR = 1
    request = request_make(offer, client_a_user, status=Status.FAILED, error="x")
    attestation_request_retry(request=request, user=client_a_user)
    AttestationRequest.objects.filter(pk=request.pk).update(status=Status.FAILED)
    request.refresh_from_db()
    with pytest.raises(RequestRefused, match="limite de 1 demandes"):
        attestation_request_retry(request=request, user=client_a_user)


# -- races (PostgreSQL: row locks and concurrent transactions) --------------------------------


def _in_threads(count: int, work) -> list:
    """What each thread returned, then what the others raised."""
    results, errors = run_at_once(work, count)
    return [result for result in results if result is not None] + errors


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_make_one_document(client_a, client_a_user):
    offer = fleet_offer_make(client_a)
    request = request_make(offer, client_a_user)

    _in_threads(4, lambda: attestation_request_process(request_id=request.pk))

    request.refresh_from_db()
    assert request.status == Status.READY and request.attempts == 1
    assert Document.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_hourly_limit_holds_under_concurrent_requests(client_a, client_a_user, settings):
    settings.ATTESTATION_REQUESTS_PER_HOUR = 2
    settings.ATTESTATION_DUPLICATE_SECONDS = 0  # the same request each time: the limit alone
    offer = fleet_offer_make(client_a)

    def send():
        return attestation_request_submit(
            user=client_a_user, contract=offer.contract, beneficiary=None,
            product_model=offer.contract_model, values={},
        )  # fmt: skip

    outcomes = _in_threads(5, send)
    assert in_process_jobs_wait(timeout=60)  # the generations sent after each commit

    assert sum(isinstance(o, AttestationRequest) for o in outcomes) == 2
    assert sum(isinstance(o, RequestRefused) for o in outcomes) == 3
    assert AttestationRequest.objects.count() == 2


def test_a_typed_date_is_read_in_french_or_from_a_date_picker_and_nothing_else():
    assert typed_date_parse("28/11/2026") == typed_date_parse("2026-11-28")
    assert typed_date_parse("1/2/2026") == datetime.date(2026, 2, 1)
    for value, message in (
        ("28.11.2026", BAD_DATE),
        ("2026-11-2", BAD_DATE),
        ("30/02/2026", "Cette date n'existe pas : vérifiez le jour et le mois."),
    ):
        with pytest.raises(ValueError, match=message.replace(".", r"\.")):
            typed_date_parse(value)
