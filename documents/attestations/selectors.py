"""Reads of the attestation workflow: which models a client may pick, may this contract be
asked now, does it need validation, is a request stale, in progress, retryable; what the
client and staff see of a request. Each rule is one function, called by every caller.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from contracts.models import Beneficiary, Contract
from contracts.selectors import beneficiaries_current, contract_eligibility, contracts_for_user
from documents.models import (
    AttestationRequest,
    Document,
    DocumentTemplate,
    ProductAttestationModel,
    TemplateField,
)
from documents.services import field_label_default
from modulr.formatting import format_date
from tasks.models import Task, TaskType, Trigger
from tasks.selectors import (
    DECIDE_ANY_PERMISSION,
    VIEW_ANY_PERMISSION,
    task_can_decide,
    task_is_recipient,
    task_templates_applicable,
)

from .values import typed_date_parse


def _attestation_links(contract: Contract) -> QuerySet[ProductAttestationModel]:
    """The attestation models offered on the contract's product, of a kind a client may ask."""
    return ProductAttestationModel.objects.filter(
        product_id=contract.product_id,
        template__type=DocumentTemplate.Type.ATTESTATION,
        template__entity__in=_REQUESTABLE_ENTITIES,
    )


_REQUESTABLE_ENTITIES = (DocumentTemplate.Entity.CONTRAT, DocumentTemplate.Entity.BENEFICIAIRE)


def attestation_models_for(
    *, contract: Contract, beneficiary_chosen: bool
) -> list[ProductAttestationModel]:
    """The models a client may pick (the product page's rule).

    With a beneficiary chosen: only models linked to « Bénéficiaire » (none when the product
    covers no beneficiaries); otherwise only models linked to « Contrat ». In the product's
    order, each with its template and the template's fields. Two queries.
    """
    if beneficiary_chosen and not contract.product.beneficiary_kind:
        return []
    entity = (
        DocumentTemplate.Entity.BENEFICIAIRE
        if beneficiary_chosen
        else DocumentTemplate.Entity.CONTRAT
    )
    return list(
        _attestation_links(contract)
        .filter(template__entity=entity)
        .select_related("template")
        .prefetch_related(Prefetch("template__fields", queryset=TemplateField.objects.all()))
        .order_by("position", "id")
    )


def attestation_validation_required(*, contract: Contract) -> bool:
    """THE answer to « does a request on this contract need staff validation first? ».

    True when an active task template of type « Validation (action extranet) » fired by
    « Demande d'attestation depuis l'extranet client » applies to the contract's product.
    One query.
    """
    return task_templates_applicable(
        trigger=Trigger.EXTRANET_ATTESTATION_REQUEST,
        product=contract.product,
        types={TaskType.VALIDATION_EXTRANET},
    ).exists()


@dataclass(frozen=True)
class Availability:
    can_request: bool
    reason: str  # '' when the client may ask; otherwise why not, in French, for the client
    needs_validation: bool
    has_models: bool  # False: no button at all (the feature is off for this product)


def attestation_request_availability(
    *, contract: Contract, today: datetime.date | None = None
) -> Availability:
    """May a client ask for an attestation on this contract now, and will staff validate it?

    - No attestation model on the product: the feature is off (``has_models`` False).
    - Only models linked to « Bénéficiaire » and nobody covered today: nothing to ask for.
    - Otherwise the contract must be eligible (in force, today covered by an entirely paid
      quittance), unless a validation applies: the cabinet then decides case by case.
    One query without models; four at most.
    """
    entities = set(_attestation_links(contract).values_list("template__entity", flat=True))
    if not entities:
        return Availability(can_request=False, reason="", needs_validation=False, has_models=False)
    needs_validation = attestation_validation_required(contract=contract)
    reason = ""
    if DocumentTemplate.Entity.CONTRAT not in entities and not (
        contract.product.beneficiary_kind
        and beneficiaries_current(
            Beneficiary.objects.filter(contract=contract), today=today
        ).exists()
    ):
        reason = gettext("Aucun bénéficiaire n'est couvert par ce contrat à ce jour.")
    elif not needs_validation:
        reason = contract_eligibility(contract=contract, today=today).reason
    return Availability(
        can_request=not reason, reason=reason, needs_validation=needs_validation, has_models=True
    )


def attestation_requests_for_client_user(user) -> QuerySet[AttestationRequest]:
    """The requests an extranet account may open: those on contracts it reaches.

    Like the documents, a request belongs to the client: a colleague given access to the same
    client sees it too (and it disappears with the access). « Mes demandes » narrows to the
    account's own.
    """
    return AttestationRequest.objects.filter(contract__in=contracts_for_user(user))


def attestation_request_just_sent(
    *,
    user,
    contract: Contract,
    beneficiary: Beneficiary | None,
    template: DocumentTemplate,
    values: dict[str, str],
) -> AttestationRequest | None:
    """The same request (account, contract, beneficiary, model and values) sent by ``user``
    less than ``ATTESTATION_DUPLICATE_SECONDS`` ago, if any: a double click, not a new need.

    The values are the cleaned ones, compared here rather than in SQL (JSON equality differs
    between databases). One query.
    """
    window = settings.ATTESTATION_DUPLICATE_SECONDS
    if window <= 0:
        return None
    recent = AttestationRequest.objects.filter(
        user=user,
        batch__isnull=True,  # a batch's own requests are never a single one sent twice
        contract=contract,
        beneficiary=beneficiary,
        template=template,
        created_at__gte=timezone.now() - datetime.timedelta(seconds=window),
    ).order_by("created_at", "pk")
    return next((request for request in recent if request.values == values), None)


# « Its job is lost » (worker or machine killed, broker emptied): nothing is working on it any
# more, so it may be claimed again, recovered, and the client may « Réessayer ».
# - ``generating``: its lease ran out. The job holding it renews ``updated_at`` every few
#   seconds (lease.py); ATTESTATION_REQUEST_LEASE_SECONDS without a renewal means that job died.
# - ``pending``: sent but not taken for ATTESTATION_REQUEST_STALE_SECONDS, longer than a queue
#   of jobs lasts (a message lost with the broker, or with a worker killed as it received it).
# One rule, two forms: a filter for the conditional UPDATEs, a predicate for a loaded row.

Status = AttestationRequest.Status
_IN_PROGRESS = (Status.PENDING, Status.GENERATING)


def _stale_limits() -> tuple[datetime.datetime, datetime.datetime]:
    """(lease expired before, pending lost before)."""
    now = timezone.now()
    return (
        now - datetime.timedelta(seconds=settings.ATTESTATION_REQUEST_LEASE_SECONDS),
        now - datetime.timedelta(seconds=settings.ATTESTATION_REQUEST_STALE_SECONDS),
    )


def attestation_requests_stale_q() -> Q:
    """The requests whose job is lost, as a filter (the job's claim, retry, recovery)."""
    lease_expired, pending_lost = _stale_limits()
    return Q(status=Status.GENERATING, updated_at__lt=lease_expired) | Q(
        status=Status.PENDING, updated_at__lt=pending_lost
    )


def attestation_request_is_stale(request: AttestationRequest) -> bool:
    """Whether this request's job is lost: the same rule as ``attestation_requests_stale_q``."""
    lease_expired, pending_lost = _stale_limits()
    if request.status == Status.GENERATING:
        return request.updated_at < lease_expired
    return request.status == Status.PENDING and request.updated_at < pending_lost


def attestation_request_waits_for_broker(request: AttestationRequest) -> bool:
    """Recorded, but its job could not be sent yet (broker down): the recovery sends it as
    soon as the broker answers. The client reads that it will be generated as soon as
    possible."""
    return request.status == Status.PENDING and request.queued_at is None


def attestation_request_in_progress(request: AttestationRequest) -> bool:
    """Its job is working on it (or about to): the client's page keeps polling."""
    return request.status in _IN_PROGRESS and not attestation_request_is_stale(request)


# How long the client's page waits before asking again about a request in progress. Most are
# ready a fraction of a second after they are sent: the first polls come quickly, so the link
# shows at once; one that takes longer (a conversion retried) is asked about less and less
# often. A request no job has taken yet half a second after it was sent waits behind others
# (every worker busy, sixteen clients at once): polling it fast would only load the machine
# that is already late, so it is asked about every second, as before, until a job takes it.
POLL_DELAYS_MS = ((2, 100), (10, 250))  # (age below, in seconds → delay in milliseconds)
POLL_DELAY_SLOW_MS = 1000
POLL_QUEUED_AFTER_SECONDS = 0.5


def attestation_request_poll_delay_ms(
    request: AttestationRequest, *, now: datetime.datetime | None = None
) -> int:
    """Milliseconds before the client's page asks again about ``request`` (in progress):
    100 ms in its first 2 s, 250 ms up to 10 s, then 1 s; 1 s while it waits for a job past
    its first half second. Its age runs from when it was last handed to a job
    (``queued_at``: a retry starts fast again), else from when it was sent."""
    since = request.queued_at or request.created_at
    age = ((now or timezone.now()) - since).total_seconds()
    if request.status == Status.PENDING and age >= POLL_QUEUED_AFTER_SECONDS:
        return POLL_DELAY_SLOW_MS
    return next((delay for limit, delay in POLL_DELAYS_MS if age < limit), POLL_DELAY_SLOW_MS)


def attestation_request_can_retry(request: AttestationRequest) -> bool:
    """Failed, or lost on the way (stale): the client may send it again."""
    return request.status == AttestationRequest.Status.FAILED or attestation_request_is_stale(
        request
    )


def attestation_request_client_error(request: AttestationRequest) -> str:
    """What the client reads about a failure: the first line of ``error`` (the rest, the
    technical detail, is for staff)."""
    return request.error.split("\n", 1)[0].strip()


def attestation_request_document_for_client(request: AttestationRequest) -> Document | None:
    """The request's document if the client may download it now (ready, shared, with a file).

    Uses ``request.document`` as loaded (select_related it when listing).
    """
    document = request.document
    if request.status != AttestationRequest.Status.READY or document is None:
        return None
    if not document.shared_on_extranet or not (document.pdf_file or document.word_file):
        return None
    return document


VIEW_DOCUMENT_PERMISSION = "documents.view_document"


# -- what staff see of a request waiting for validation ----------------------------------------


def attestation_request_for_task(*, task: Task) -> AttestationRequest | None:
    """The request a validation task is about, with what its page shows; None for others.
    For a batch's one task, its first request, with the batch."""
    if task.type != TaskType.VALIDATION_EXTRANET:
        return None
    return (
        AttestationRequest.objects.select_related(
            "user",
            "contract",
            "contract__client",
            "beneficiary",
            "template",
            "document",
            "decided_by",
            "batch__user",
            "batch__contract__client",
            "batch__contract__product",
        )  # fmt: skip
        .filter(task=task)
        .order_by("pk")
        .first()
    )


def attestation_request_can_decide(*, request: AttestationRequest, user) -> bool:
    """Whether the « Valider » / « Refuser » buttons are offered to ``user``, enabled or not."""
    task = request.task
    return task is not None and task.is_open and task_can_decide(task=task, user=user)


def attestation_request_decidable(*, request: AttestationRequest) -> bool:
    """Whether the buttons are enabled: the attestation is generated and waits."""
    return request.status == AttestationRequest.Status.AWAITING_VALIDATION


def _typed_date_shown(value: str) -> str:
    """A date field's value as 28/11/2026; a value that is no date is shown as typed."""
    try:
        return format_date(typed_date_parse(value.strip()))
    except ValueError:
        return value


@dataclass(frozen=True)
class FieldValue:
    name: str
    label: str
    value: str


def attestation_request_field_values(*, request: AttestationRequest) -> list[FieldValue]:
    """What the client typed, labelled as the form showed it, in the model's order.

    Labels come from the model's fields as configured now; a field since removed from the
    model (or a deleted model) keeps a label made from its tag name.
    """
    fields = (
        {f.name: f for f in TemplateField.objects.filter(template_id=request.template_id)}
        if request.template_id
        else {}
    )
    values = request.values or {}
    order = [name for name in fields if name in values]
    order += [name for name in values if name not in fields]
    shown = []
    for name in order:
        value = "" if values[name] is None else str(values[name])
        field = fields.get(name)
        if field is not None and field.type == TemplateField.Type.DATE:
            value = _typed_date_shown(value)
        label = field.label if field is not None else field_label_default(name)
        shown.append(FieldValue(name=name, label=label, value=value))
    return shown


def document_get_for_staff(*, user, pk: int) -> Document | None:
    """The document ``pk`` if ``user`` may open it in the intranet; None otherwise.

    Staff with the view permission on documents see every document; a recipient of a
    validation task sees the attestation it is about (that is what « Ouvrir l'attestation »
    on their task opens), whatever their other permissions.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    document = Document.objects.select_related("attestation_request__task").filter(pk=pk).first()
    if document is None or user.has_perm(VIEW_DOCUMENT_PERMISSION):
        return document
    request = getattr(document, "attestation_request", None)
    task = request.task if request is not None else None
    if task is not None and (
        user.has_perm(VIEW_ANY_PERMISSION)
        or user.has_perm(DECIDE_ANY_PERMISSION)
        or task_is_recipient(task=task, user=user)
    ):
        return document
    return None
