"""Set-up shared by the prior-validation tests: a validation template, and requests held for it.

``request_held`` records a request as the extranet's submission and its generation job do
(request + « Demande envoyée », the validation task, then the attestation generated with
``shared=False`` and the status « En attente de validation »), step by step, so that a test
can stop between the steps (e.g. while the attestation is still generating).
"""

from django.db import transaction

from documents.models import AttestationEvent, AttestationRequest, DocumentTemplate
from documents.services import (
    attestation_generate,
    attestation_title,
    document_template_sync_fields,
)
from documents.validation import attestation_validation_open
from tests import docx_models, factories
from tests.documents.generation_helpers import stored_files, template_make

VALUES = {"motif": "Salon Equip Auto", "date_debut": "2026-12-01", "date_fin": "2026-12-05"}


def validation_template_make(*recipients, **kwargs):
    """The page's setting: « Validation (action extranet) » on « Demande d'attestation »."""
    defaults = {
        "subject": "Valider la demande d'attestation",
        "description": "Vérifier que le véhicule est bien assuré pour l'événement.",
        "due_in_days": 3,
        "is_priority": True,
        "recipient_account_manager": False,
        "recipient_users": list(recipients),
    }
    return factories.TaskTemplateFactory(**{**defaults, **kwargs})


def attestation_template_make(contract, *, pdf: bool = False) -> DocumentTemplate:
    """The fleet attestation with fields motif / date_debut / date_fin, offered on the product.

    Word only by default (no LibreOffice needed); ``pdf=True`` converts.
    """
    template = template_make(
        docx_models.attestation_model(), name="Attestation véhicule", pdf_conversion=pdf
    )
    document_template_sync_fields(
        template=template, unknown_tags=["motif", "date_debut", "date_fin"]
    )
    template.fields.filter(name="motif").update(label="Motif de l'attestation")
    template.product_links.create(product=contract.product, extranet_title="Attestation véhicule")
    return template


def request_submit(*, user, contract, template, beneficiary=None, values=None):
    """The request as recorded by the extranet: with its validation task when one applies."""
    with transaction.atomic():
        request = AttestationRequest.objects.create(
            user=user,
            contract=contract,
            beneficiary=beneficiary,
            template=template,
            title=attestation_title(template=template, contract=contract, beneficiary=beneficiary),
            beneficiary_label=beneficiary.libelle if beneficiary is not None else "",
            values=dict(VALUES if values is None else values),
            needs_validation=True,
        )
        AttestationEvent.objects.create(
            request=request, kind=AttestationEvent.Kind.SUBMITTED, actor=user
        )
        attestation_validation_open(request=request)
    return request


def request_generate(request) -> AttestationRequest:
    """What the generation job does for a request held for validation."""
    document = attestation_generate(
        template=request.template,
        contract=request.contract,
        beneficiary=request.beneficiary,
        values=request.values,
        user=request.user,
        shared=False,
    )
    request.document = document
    request.numero = document.numero
    request.status = AttestationRequest.Status.AWAITING_VALIDATION
    request.save(update_fields=["document", "numero", "status", "updated_at"])
    AttestationEvent.objects.create(
        request=request, kind=AttestationEvent.Kind.GENERATED, detail=document.numero
    )
    return request


def request_held(**kwargs) -> AttestationRequest:
    return request_generate(request_submit(**kwargs))


def generated_files(root) -> list[str]:
    """The generated documents' files in the test's private storage (models excluded)."""
    return [name for name in stored_files(root) if name.startswith("documents/")]
