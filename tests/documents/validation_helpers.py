"""Set-up shared by the prior-validation tests: a validation template, and requests held for it.

``request_held`` goes through the extranet's own services: the submission (request,
« Demande envoyée », the validation task when one applies), then the generation job
(attestation generated with ``shared=False``, « En attente de validation »), step by step,
so that a test can stop between the steps (e.g. while the attestation is still generating).
"""

import time

from documents.attestations.process import attestation_request_process
from documents.attestations.submit import attestation_request_submit
from documents.models import AttestationRequest, DocumentTemplate
from documents.services import document_template_sync_fields
from tests import docx_models, factories
from tests.documents.generation_helpers import stored_files, template_make

VALUES = {"motif": "Salon Equip Auto", "date_debut": "01/12/2026", "date_fin": "05/12/2026"}


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
    """The vehicle attestation (a « Bénéficiaire » model) with fields motif / date_debut /
    date_fin, offered on the contract's product.

    Word only by default (no LibreOffice needed); ``pdf=True`` converts.
    """
    template = template_make(
        docx_models.attestation_model(),
        name="Attestation véhicule",
        pdf_conversion=pdf,
        entity=DocumentTemplate.Entity.BENEFICIAIRE,
    )
    document_template_sync_fields(
        template=template, unknown_tags=["motif", "date_debut", "date_fin"]
    )
    template.fields.filter(name="motif").update(label="Motif de l'attestation")
    template.product_links.create(product=contract.product, extranet_title="Attestation véhicule")
    return template


def request_submit(*, user, contract, template, beneficiary=None, values=None):
    """The client's « Envoyer la demande » (``attestation_request_submit``).

    Its generation job is sent on commit: inside a test's transaction it runs only where the
    test executes the on-commit callbacks; ``request_generate`` runs it otherwise.
    """
    link = template.product_links.get(product_id=contract.product_id)
    return attestation_request_submit(
        user=user,
        contract=contract,
        beneficiary=beneficiary,
        product_model=link,
        values=dict(VALUES if values is None else values),
    )


def request_generate(request, *, timeout: float = 60) -> AttestationRequest:
    """The generation job's body, then its outcome once known (another thread may hold it)."""
    attestation_request_process(request_id=request.pk)
    deadline = time.monotonic() + timeout
    request.refresh_from_db()
    while request.status in _IN_PROGRESS and time.monotonic() < deadline:
        time.sleep(0.05)
        request.refresh_from_db()
    return request


_IN_PROGRESS = (AttestationRequest.Status.PENDING, AttestationRequest.Status.GENERATING)


def request_held(**kwargs) -> AttestationRequest:
    return request_generate(request_submit(**kwargs))


def generated_files(root) -> list[str]:
    """The generated documents' files in the test's private storage (models excluded)."""
    return [name for name in stored_files(root) if name.startswith("documents/")]
