"""Races on a batch, on PostgreSQL: two « Envoyer » of the same fleet at once make one batch;
« Valider » and « Refuser » of its one task at once give one decision, and the storage
agrees with it for every attestation of the batch."""

import pytest
from django.contrib.auth import get_user_model

from documents.attestations.batches import BatchAlreadySent
from documents.attestations.jobs import in_process_jobs_wait
from documents.attestations.validation import attestation_batch_approve, attestation_batch_refuse
from documents.models import AttestationBatch, AttestationRequest, Document
from tests.documents.batch_helpers import batch_submit, fleet_grow
from tests.documents.request_helpers import EVENT_VALUES, fleet_offer_make
from tests.documents.validation_helpers import generated_files, validation_template_make
from tests.helpers import run_in_threads

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROUNDS = 10


def test_the_same_fleet_sent_twice_at_once_is_one_batch(client_a, client_a_user):
    offer = fleet_offer_make(client_a)
    fleet_grow(offer)

    def send(wait):
        user = get_user_model().objects.get(pk=client_a_user.pk)
        wait()
        try:
            return batch_submit(offer, user).pk
        except BatchAlreadySent as already:
            return already.batch.pk

    (first, second), errors = run_in_threads(send, send)
    in_process_jobs_wait(timeout=60)
    assert errors == []
    assert first == second
    assert AttestationBatch.objects.count() == 1
    assert AttestationRequest.objects.count() == 3


def test_valider_and_refuser_at_once_decide_once_for_the_whole_batch(
    client_a, client_a_user, other_staff, staff_user, _private_storage, settings
):
    settings.ATTESTATION_REQUESTS_PER_HOUR = ROUNDS
    offer = fleet_offer_make(client_a)
    fleet_grow(offer)
    validation_template_make(other_staff, staff_user)
    User = get_user_model()
    outcomes = []

    for round_ in range(ROUNDS):
        batch = batch_submit(offer, client_a_user, values={**EVENT_VALUES, "motif": f"S{round_}"})
        assert in_process_jobs_wait(timeout=60)
        ids = list(batch.requests.values_list("pk", flat=True))
        assert set(batch.requests.values_list("status", flat=True)) == {"awaiting_validation"}

        def deciding(decide, user_pk, batch_pk=batch.pk):
            def work(wait):
                user = User.objects.get(pk=user_pk)
                mine = AttestationBatch.objects.select_related("task").get(pk=batch_pk)
                wait()
                return decide(batch=mine, user=user)

            return work

        approver, refuser = (other_staff, staff_user) if round_ % 2 else (staff_user, other_staff)
        (approved, refused), errors = run_in_threads(
            deciding(attestation_batch_approve, approver.pk),
            deciding(lambda **kw: attestation_batch_refuse(**kw, reason="Non"), refuser.pk),
        )
        assert errors == []
        assert approved != refused  # exactly one decided
        statuses = set(
            AttestationRequest.objects.filter(pk__in=ids).values_list("status", flat=True)
        )
        documents = Document.objects.filter(attestation_request__pk__in=ids)
        if approved:
            assert statuses == {"ready"}
            assert documents.filter(shared_on_extranet=True).count() == 3
        else:
            assert statuses == {"refused"}
            assert not documents.exists()
        outcomes.append("approve" if approved else "refuse")

    # Every file left belongs to an approved batch's shared attestation.
    kept = {d.word_file.name for d in Document.objects.all()}
    assert set(generated_files(_private_storage)) == kept
    assert len(kept) == 3 * outcomes.count("approve")
