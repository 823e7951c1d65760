"""``LOG_FORMAT=json``: one JSON object per record; a generation logs each state change of
its request and its PDF conversion, with the fields operations read."""

import json
import logging
import sys

import pytest
from django.conf import settings

from documents.attestations.process import attestation_request_process
from documents.attestations.submit import attestation_request_submit
from modulr.logging import JsonFormatter, TextFormatter
from tests.converter_pool import free_converter_ports
from tests.documents.request_helpers import fleet_offer_make, request_make


def _record(**extra) -> logging.LogRecord:
    record = logging.LogRecord("documents.x", logging.INFO, __file__, 1, "bonjour %s", ("à vous",),
                               None)  # fmt: skip
    record.__dict__.update(extra)
    return record


def test_the_json_formatter_writes_one_line_with_the_extra_fields():
    line = JsonFormatter().format(_record(request_id=12, started=object()))

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "documents.x"
    assert entry["message"] == "bonjour à vous"
    assert entry["request_id"] == 12
    assert entry["started"].startswith("<object")  # what JSON cannot hold, as text
    assert entry["timestamp"].endswith("Z")


def test_the_json_formatter_keeps_the_traceback_in_the_line():
    try:
        raise ValueError("boum")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "échec", (), sys.exc_info())

    entry = json.loads(JsonFormatter().format(record))

    assert "ValueError: boum" in entry["exception"]


def test_the_text_formatter_appends_the_extra_fields():
    assert TextFormatter().format(_record(request_id=12)) == "bonjour à vous request_id=12"
    assert TextFormatter().format(_record()) == "bonjour à vous"


@pytest.mark.libreoffice
def test_a_generation_logs_its_states_and_its_conversion_as_json(
    client_a, client_a_user, caplog, django_capture_on_commit_callbacks
):
    offer = fleet_offer_make(client_a, pdf=True)
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(JsonFormatter())

    with django_capture_on_commit_callbacks(execute=True):
        request = attestation_request_submit(
            user=client_a_user, contract=offer.contract, beneficiary=None,
            product_model=offer.contract_model, values={},
        )  # fmt: skip

    entries = [json.loads(line) for line in caplog.text.splitlines()]
    states = [e for e in entries if e["message"] == "attestation_request.state"]
    assert [(e["request_id"], e["status"], e["attempt"]) for e in states] == [
        (request.pk, "pending", 0),
        (request.pk, "generating", 1),
        (request.pk, "ready", 1),
    ]
    assert all(isinstance(e["since_submit_ms"], int) for e in states)
    assert all(e["logger"] == "documents.attestations.logs" for e in states)
    (conversion,) = [e for e in entries if e["message"] == "docgen.conversion"]
    assert conversion["outcome"] == "ok"
    assert conversion["converter"] in settings.CONVERTER_PORTS
    assert isinstance(conversion["duration_ms"], int)


def test_a_failed_conversion_logs_its_error_and_the_failed_state(
    client_a, client_a_user, caplog, settings, django_capture_on_commit_callbacks
):
    offer = fleet_offer_make(client_a, pdf=True)
    request = request_make(offer, client_a_user)
    settings.CONVERTER_PORTS = free_converter_ports(1)  # nothing listens there
    settings.CONVERTER_TIMEOUT = 1
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(JsonFormatter())

    with django_capture_on_commit_callbacks(execute=True):
        attestation_request_process(request_id=request.pk)

    entries = [json.loads(line) for line in caplog.text.splitlines()]
    states = [e for e in entries if e["message"] == "attestation_request.state"]
    assert [(e["request_id"], e["status"]) for e in states] == [
        (request.pk, "generating"),
        (request.pk, "failed"),
    ]
    (conversion,) = [e for e in entries if e["message"] == "docgen.conversion"]
    assert conversion["outcome"] == "error"
    assert conversion["converter"] == settings.CONVERTER_PORTS[0]  # the last one tried
    assert "Aucun convertisseur" in conversion["error"]
