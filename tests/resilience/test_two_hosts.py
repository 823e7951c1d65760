"""Two worker machines, simulated on this one: each `scripts/role.sh worker-host` with its own
VAR_DIR, its own converter (CONVERTER_PORTS) and its own Celery hostname, both on the same
PostgreSQL (this test's database), the same Redis and the same object storage (the test
S3 server), with the `recover` role beside them, all with production's defaults (lease
30 s, recovery every 10 s).

Requests are shared between the machines; one machine killed at once (SIGKILL of all its
processes) in the middle of a burst loses nothing: its request in flight is generated again
by the other, once, well before the old stale delay (4 minutes).
"""

from __future__ import annotations

import itertools
import os

import pytest

from documents.attestations.submit import attestation_request_submit
from documents.models import AttestationEvent, AttestationRequest, Document
from tests.converter_pool import converter_answers, free_converter_ports
from tests.documents.request_helpers import EVENT_VALUES, fleet_offer_make
from tests.docx_models import pdf_text
from tests.object_storage import ACCESS_KEY, REGION, SECRET_KEY
from tests.resilience.conftest import celery_sending_to, var_dir
from tests.resilience.processes import database_url, logs, wait_for

START_TIMEOUT = 120
# Generous: the 60 requests take about a minute on two cores.
ALL_READY_TIMEOUT = 300

Status = AttestationRequest.Status


def _ready_or_failed(ids: list[int]) -> bool:
    return (
        not AttestationRequest.objects.filter(pk__in=ids)
        .exclude(status__in=[Status.READY, Status.FAILED])
        .exists()
    )


def _states(ids: list[int]) -> str:
    rows = AttestationRequest.objects.filter(pk__in=ids).values_list(
        "pk", "status", "attempts", "generated_by", "error"
    )
    return "\n".join(map(str, rows))


def _generated_once_and_readable(ids: list[int]) -> None:
    """Each request ready with its own document, shared once, whose PDF in the bucket is a
    PDF naming the vehicle."""
    requests = list(AttestationRequest.objects.filter(pk__in=ids).select_related("document"))
    assert [r.status for r in requests] == [Status.READY] * len(ids), _states(ids)
    assert len({r.document_id for r in requests}) == len(ids)
    generated = AttestationEvent.objects.filter(
        request_id__in=ids, kind=AttestationEvent.Kind.GENERATED
    )
    assert generated.count() == len(ids)
    for request in requests:
        with request.document.pdf_file.open("rb") as handle:
            pdf = handle.read()
        assert pdf.startswith(b"%PDF"), request.pk
        assert "GH-456-JK" in pdf_text(pdf), request.pk


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_worker_hosts_share_the_requests_and_one_killed_mid_burst_loses_none(
    roles, redis_db, s3_storage, client_a, client_a_user, settings, tmp_path
):
    settings.ATTESTATION_REQUESTS_PER_HOUR = 1000
    offer = fleet_offer_make(client_a, pdf=True)  # its Word models go to the bucket
    shared = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_db,
        "AWS_STORAGE_BUCKET_NAME": s3_storage.name,
        "AWS_S3_ENDPOINT_URL": s3_storage.endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_REGION_NAME": REGION,
        "LOG_LEVEL": "WARNING",
    }
    shared.pop("ATTESTATION_REQUEST_LEASE_SECONDS", None)  # production's defaults
    shared.pop("RECOVER_EVERY", None)
    hosts, ports = {}, {}
    for name, port in zip(("host-a", "host-b"), free_converter_ports(2), strict=True):
        ports[name] = port
        hosts[name] = roles(
            "worker-host",
            {
                **shared,
                "VAR_DIR": str(var_dir(tmp_path, name)),
                "CONVERTER_PORTS": str(port),
                "WORKER_NAME": f"{name}@%h",
                "WORKER_CONCURRENCY": "1",
            },
            name,
        )
    recover = roles("recover", shared)
    everything = logs(*hosts.values(), recover)
    for name, host in hosts.items():
        wait_for(
            lambda host=host, port=ports[name]: (host.alive() or pytest.fail(everything()))
            and " ready." in host.text()
            and converter_answers(port),
            START_TIMEOUT,
            everything,
        )

    serial = itertools.count(1)

    def submit() -> int:
        # A motif each: the same request twice within seconds would be recorded once.
        values = {**EVENT_VALUES, "motif": f"{EVENT_VALUES['motif']} n° {next(serial)}"}
        return attestation_request_submit(
            user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
            product_model=offer.vehicle_model, values=values,
        ).pk  # fmt: skip

    with celery_sending_to(redis_db):
        # Sixty requests: both machines take their share.
        first = [submit() for _ in range(60)]
        wait_for(lambda: _ready_or_failed(first), ALL_READY_TIMEOUT,
                 lambda: _states(first) + everything())  # fmt: skip
        _generated_once_and_readable(first)
        by_host = {
            name: AttestationRequest.objects.filter(
                pk__in=first, generated_by__startswith=f"{name}@"
            ).count()
            for name in hosts
        }
        assert all(count >= 15 for count in by_host.values()), by_host
        assert sum(by_host.values()) == 60

        # A burst of thirty; host A dies (every process of the machine, at once) while it
        # generates one of them.
        burst = [submit() for _ in range(30)]
        in_flight = wait_for(
            lambda: AttestationRequest.objects.filter(
                pk__in=burst, status=Status.GENERATING, generated_by__startswith="host-a@"
            )
            .values_list("pk", flat=True)
            .first(),
            ALL_READY_TIMEOUT,
            lambda: _states(burst) + everything(),
        )
        hosts["host-a"].kill()
        assert not converter_answers(ports["host-a"], timeout=1)

        # Not the old 4 minutes: the lease (30 s) and a recovery (every 10 s) later, host B
        # has generated it; every request of the burst is ready, each with one document.
        wait_for(lambda: _ready_or_failed(burst), 180,
                 lambda: _states(burst) + everything())  # fmt: skip
    _generated_once_and_readable(burst)
    lost = AttestationRequest.objects.get(pk=in_flight)
    assert lost.generated_by.startswith("host-b@") and lost.attempts == 2
    assert lost.events.filter(
        kind=AttestationEvent.Kind.RETRIED, detail__contains="automatiquement"
    ).exists()
    # What the clients see: ninety attestations on their contract, not one more.
    shared_documents = Document.objects.filter(contract=offer.contract, shared_on_extranet=True)
    assert shared_documents.count() == 90
