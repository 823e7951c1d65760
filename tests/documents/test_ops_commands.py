"""The operations commands: ``attestations_status``, ``attestations_retry`` and
``converter_check``, run as an operator would (``call_command``, output read back)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from documents.models import AttestationEvent, AttestationRequest
from tests.converter_pool import free_converter_ports
from tests.documents.request_helpers import fleet_offer_make, request_make

Status = AttestationRequest.Status
FAILURE = "La conversion a échoué.\nDétail technique : ConversionError: convertisseur arrêté"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


def _aged(request: AttestationRequest, **delta) -> AttestationRequest:
    past = timezone.now() - datetime.timedelta(**delta)
    AttestationRequest.objects.filter(pk=request.pk).update(created_at=past, updated_at=past)
    request.refresh_from_db()
    return request


# -- attestations_status ------------------------------------------------------------------------


def test_status_counts_lists_stuck_and_failed_and_the_converters(
    offer, client_a_user, converter_pool
):
    request_make(offer, client_a_user, status=Status.READY)
    request_make(offer, client_a_user, status=Status.READY)
    fresh = request_make(offer, client_a_user, status=Status.PENDING)
    stuck = _aged(request_make(offer, client_a_user, status=Status.GENERATING), hours=2)
    failed = request_make(offer, client_a_user, status=Status.FAILED, error=FAILURE)

    output = run("attestations_status")

    assert "Disponible (ready) : 2" in output
    assert "En cours de génération (pending) : 1" in output
    assert "En cours de génération (generating) : 1" in output
    assert "Refusée (refused) : 0" in output
    assert f"Plus ancienne demande en cours : n° {stuck.pk} " in output
    assert "il y a 2" in output  # « il y a 2 heures »
    assert "Demandes bloquées (travail perdu, à relancer) : 1" in output
    assert f"n° {stuck.pk} – " in output.split("bloquées")[1].split("en échec")[0]
    assert f"n° {fresh.pk} – " not in output.split("bloquées")[1]
    assert "Demandes en échec : 1" in output
    assert f"n° {failed.pk} – " in output
    assert "ConversionError: convertisseur arrêté" in output
    for port in converter_pool:
        assert f"port {port} : répond, pid " in output
    assert "Mo" in output


def test_status_names_a_converter_that_answers_nothing(db, settings):
    settings.CONVERTER_PORTS = free_converter_ports(1)

    output = run("attestations_status")

    assert "Aucune demande en cours." in output
    assert "Demandes en échec : 0" in output
    assert f"port {settings.CONVERTER_PORTS[0]} : NE RÉPOND PAS, pid —, mémoire —" in output


def test_status_without_a_pool_says_soffice_is_used(db, settings):
    settings.CONVERTER_PORTS = []

    assert "aucun pool (CONVERTER_PORTS vide), soffice ponctuel (trouvé)" in run(
        "attestations_status"
    )


# -- attestations_retry -------------------------------------------------------------------------


def test_retry_sends_a_failed_request_again_in_the_staff_members_name(
    offer, client_a_user, staff_user, django_capture_on_commit_callbacks
):
    failed = request_make(offer, client_a_user, status=Status.FAILED, error=FAILURE)

    with django_capture_on_commit_callbacks(execute=True):
        output = run("attestations_retry", "--id", str(failed.pk), "--user", "alice")

    assert f"Demande {failed.pk} – Attestation pour un événement (FL-2026-0042) : " in output
    assert "génération relancée." in output
    assert "Demandes relancées : 1" in output
    failed.refresh_from_db()
    assert failed.status == Status.READY  # the job ran (in-process, after commit)
    retried = failed.events.get(kind=AttestationEvent.Kind.RETRIED)
    assert retried.actor == staff_user


def test_retry_reports_an_id_that_is_not_failed_and_leaves_it(offer, client_a_user, staff_user):
    ready = request_make(offer, client_a_user, status=Status.READY)
    failed = request_make(offer, client_a_user, status=Status.FAILED, error=FAILURE)

    output = run("attestations_retry", "--id", str(ready.pk), str(failed.pk), "999999",
                 "--user", "alice")  # fmt: skip

    assert f"Demande {ready.pk} : pas en échec (Disponible), non relancée." in output
    assert "Demande 999999 : introuvable." in output
    assert "Demandes relancées : 1" in output
    ready.refresh_from_db()
    assert ready.status == Status.READY
    assert not ready.events.exists()
    failed.refresh_from_db()
    assert failed.status == Status.PENDING  # sent; the job runs once the command's work commits


def test_retry_all_failed(offer, client_a_user, staff_user):
    first = request_make(offer, client_a_user, status=Status.FAILED, error=FAILURE)
    second = request_make(offer, client_a_user, status=Status.FAILED, error=FAILURE)
    request_make(offer, client_a_user, status=Status.REFUSED)

    output = run("attestations_retry", "--all-failed", "--user", "alice")

    assert "Demandes relancées : 2" in output
    assert set(AttestationRequest.objects.filter(status=Status.PENDING)) == {first, second}


def test_retry_reports_what_the_service_refuses(offer, client_a_user, staff_user):
    failed = request_make(offer, client_a_user, status=Status.FAILED, error=FAILURE)
    offer.contract.date_fin = timezone.localdate() - datetime.timedelta(days=1)
    offer.contract.save()

    output = run("attestations_retry", "--id", str(failed.pk), "--user", "alice")

    assert f"Demande {failed.pk} – " in output
    assert "refusée – " in output
    assert "Demandes relancées : 0" in output
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_retry_needs_an_active_staff_account(offer, client_a_user):
    failed = request_make(offer, client_a_user, status=Status.FAILED, error=FAILURE)

    with pytest.raises(CommandError, match="n'est pas un compte du personnel actif"):
        run("attestations_retry", "--id", str(failed.pk), "--user", client_a_user.username)
    with pytest.raises(CommandError):
        run("attestations_retry", "--id", str(failed.pk))  # no --user

    failed.refresh_from_db()
    assert failed.status == Status.FAILED


# -- converter_check ----------------------------------------------------------------------------


def test_converter_check_converts_on_every_converter(converter_pool):
    output = run("converter_check")

    for port in converter_pool:
        assert f"port {port} : PDF correct en " in output
    assert f"Tous les convertisseurs répondent ({len(converter_pool)})." in output


def test_converter_check_fails_with_a_dead_converter(converter_pool, settings):
    dead = free_converter_ports(1)[0]
    settings.CONVERTER_PORTS = [converter_pool[0], dead]
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"1 convertisseur\(s\) sur 2 en échec"):
        call_command("converter_check", "--timeout", "1", stdout=out)

    assert f"port {converter_pool[0]} : PDF correct en " in out.getvalue()
    assert f"port {dead} : ÉCHEC – Aucun convertisseur PDF n'est disponible" in out.getvalue()
