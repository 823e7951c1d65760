"""The lease, the other way round: a job that works long (its converter frozen, several
leases long) keeps renewing its request's lease, so nothing takes the request from it and it
is generated once, by that job. A dead job's request is taken again (test_two_hosts)."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection

from documents.attestations.recovery import attestation_requests_recover
from documents.attestations.selectors import attestation_request_is_stale
from documents.attestations.submit import attestation_request_submit
from documents.models import AttestationRequest, Document
from tests.converter_pool import running_pool
from tests.documents.request_helpers import EVENT_VALUES, fleet_offer_make
from tests.documents.test_worker import converter_busy, frozen
from tests.resilience.conftest import celery_sending_to
from tests.resilience.processes import database_url, logs, wait_for

LEASE_SECONDS = 6  # renewed every second: room for a loaded machine
Status = AttestationRequest.Status


@pytest.fixture(scope="module")
def one_converter(tmp_path_factory):
    if connection.vendor != "postgresql":
        yield 0  # the test skips right after: no LibreOffice for nothing
        return
    with running_pool(1, tmp_path_factory.mktemp("converter") / "supervisor.log") as ports:
        yield ports[0]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_job_working_past_its_lease_keeps_the_request_and_generates_it_once(
    roles, redis_db, one_converter, client_a, client_a_user, settings, _private_storage
):
    settings.ATTESTATION_REQUEST_LEASE_SECONDS = LEASE_SECONDS
    offer = fleet_offer_make(client_a, pdf=True)
    worker = roles(
        "worker",
        {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": redis_db,
            "PRIVATE_ROOT": str(_private_storage),
            "CONVERTER_PORTS": str(one_converter),
            "CONVERTER_TIMEOUT": "120",  # the frozen converter is waited for
            "ATTESTATION_REQUEST_LEASE_SECONDS": str(LEASE_SECONDS),
            "WORKER_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
        },
    )
    wait_for(lambda: " ready." in worker.text(), 60, logs(worker))

    with frozen(one_converter):
        with celery_sending_to(redis_db):
            request = attestation_request_submit(
                user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
                product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
            )  # fmt: skip

        def converting():
            request.refresh_from_db()
            return request.status == Status.GENERATING and converter_busy(one_converter)

        wait_for(converting, 60, logs(worker))
        time.sleep(3 * LEASE_SECONDS)  # three leases long, the job still waiting
        request.refresh_from_db()
        assert not attestation_request_is_stale(request)
        assert attestation_requests_recover().sent == []

    def ended():  # the converter free is not enough: the job still stores the PDF after it
        request.refresh_from_db()
        return request.status in (Status.READY, Status.FAILED)

    wait_for(ended, 60, logs(worker))
    assert request.status == Status.READY, request.error
    assert request.attempts == 1 and Document.objects.count() == 1
