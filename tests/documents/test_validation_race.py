"""Two people deciding the same validation task at once, on PostgreSQL.

One validates while the other refuses, released together by a barrier, a hundred times.
Each time exactly one decision wins, and the storage agrees with it: validated, the Word
file and the PDF are there and the document is shared; refused, none of its files is left
and its row is gone. Never a document shared and then deleted.
"""

import pytest
from django.contrib.auth import get_user_model

from documents.attestations.validation import (
    attestation_request_approve,
    attestation_request_refuse,
)
from documents.models import AttestationEvent, AttestationRequest, Document
from tasks.models import Task
from tests.documents.generation_helpers import cabinet_make, fleet_contract_make
from tests.documents.validation_helpers import (
    VALUES,
    attestation_template_make,
    generated_files,
    request_held,
    validation_template_make,
)
from tests.helpers import run_in_threads

ROUNDS = 100


def _decide_together(request_pk: int, approver_pk: int, refuser_pk: int) -> dict[str, bool]:
    """Runs « Valider » and « Refuser » in two threads released at the same instant."""
    User = get_user_model()

    def deciding(decide, user_pk: int):
        def work(wait):
            # Each thread reads its own objects through its own connection.
            request = AttestationRequest.objects.select_related("task").get(pk=request_pk)
            user = User.objects.get(pk=user_pk)
            wait()
            return decide(request=request, user=user)

        return work

    (approved, refused), errors = run_in_threads(
        deciding(attestation_request_approve, approver_pk),
        deciding(
            lambda **kw: attestation_request_refuse(**kw, reason="Refus concurrent"), refuser_pk
        ),
    )
    assert errors == []
    return {"approve": approved, "refuse": refused}


@pytest.mark.postgresql
@pytest.mark.libreoffice
@pytest.mark.django_db(transaction=True)
def test_validate_and_refuse_at_once_give_one_decision_and_the_storage_agrees(
    client_a, client_a_user, other_staff, staff_user, _private_storage, settings
):
    settings.ATTESTATION_REQUESTS_PER_HOUR = ROUNDS  # one client sends them all
    cabinet_make()
    contract, vehicle = fleet_contract_make(client_a)
    template = attestation_template_make(contract, pdf=True)
    validation_template_make(other_staff, staff_user)
    outcomes = {"approve": 0, "refuse": 0}
    kept: set[str] = set()

    for round_ in range(ROUNDS):
        request = request_held(
            user=client_a_user, contract=contract, template=template, beneficiary=vehicle,
            values={**VALUES, "motif": f"Salon {round_}"},  # not the same request again
        )  # fmt: skip
        document = request.document
        files = {document.word_file.name, document.pdf_file.name}
        assert all(name.endswith((".docx", ".pdf")) for name in files) and len(files) == 2
        # The deciders swap sides each round. The faster one tends to win (a superuser's
        # right to decide costs one query less), so both outcomes come up, each ~half the time.
        if round_ % 2:
            results = _decide_together(request.pk, other_staff.pk, staff_user.pk)
        else:
            results = _decide_together(request.pk, staff_user.pk, other_staff.pk)

        assert sorted(results.values()) == [False, True], (round_, results)
        winner = "approve" if results["approve"] else "refuse"
        outcomes[winner] += 1
        request.refresh_from_db()
        task = Task.objects.get(pk=request.task_id)
        events = list(request.events.values_list("kind", flat=True))
        listed = set(generated_files(_private_storage))
        if winner == "approve":
            kept |= files
            assert files <= listed, round_
            assert request.status == AttestationRequest.Status.READY
            assert Document.objects.get(pk=document.pk).shared_on_extranet
            assert task.status == Task.Status.APPROVED
            assert events == ["submitted", "generated", "validated", "shared"]
        else:
            assert not files & listed, round_
            assert not Document.objects.filter(pk=document.pk).exists()
            assert request.status == AttestationRequest.Status.REFUSED
            assert request.refusal_reason == "Refus concurrent"
            assert task.status == Task.Status.REFUSED
            assert events == ["submitted", "generated", "refused", "destroyed"]
        # The whole storage: exactly the files of the validated attestations, nothing else.
        assert listed == kept, round_

    assert outcomes["approve"] + outcomes["refuse"] == ROUNDS
    assert Document.objects.filter(shared_on_extranet=False).count() == 0
    assert AttestationEvent.objects.filter(kind="shared").count() == outcomes["approve"]
    assert AttestationEvent.objects.filter(kind="destroyed").count() == outcomes["refuse"]
    print(f"\n{ROUNDS} courses : {outcomes['approve']} validées, {outcomes['refuse']} refusées")
