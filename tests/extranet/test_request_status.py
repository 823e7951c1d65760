"""A request's page (progress, link, failure, retry) and « Mes demandes »."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.models import AttestationRequest, Document
from tests import factories
from tests.documents.request_helpers import fleet_offer_make, request_make
from tests.extranet.conftest import make_document
from tests.helpers import page_text, page_tree

Status = AttestationRequest.Status


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


def status_url(request) -> str:
    return reverse("extranet:attestation_request", args=[request.pk])


def retry_url(request) -> str:
    return reverse("extranet:attestation_request_retry", args=[request.pk])


def polls(tree) -> bool:
    return bool(tree.xpath("//*[@id='request-status'][@hx-get][starts-with(@hx-trigger, 'load')]"))


def poll_trigger(response) -> str:
    (part,) = page_tree(response).xpath("//*[@id='request-status']")
    return part.get("hx-trigger")


def ready_request(offer, user, numero="ATT-2026-000042", **kwargs) -> AttestationRequest:
    document = make_document(offer.contract, title="Attestation pour un événement",
                             numero=numero)  # fmt: skip
    return request_make(offer, user, status=Status.READY, document=document,
                        numero=document.numero, **kwargs)  # fmt: skip


# -- the request's page -----------------------------------------------------------------------


def test_pending_says_it_is_being_generated_and_updates_itself(as_a, offer, client_a_user):
    request = request_make(offer, client_a_user, queued_at=timezone.now())  # its job was sent
    response = as_a.get(status_url(request))
    tree = page_tree(response)
    assert "Votre attestation est en cours de génération" in page_text(response)
    assert polls(tree)
    # Without JavaScript the page reloads itself.
    assert (
        '<noscript><meta http-equiv="refresh" content="2"></noscript>' in response.content.decode()
    )
    # What was asked, as typed.
    shown = page_text(response)
    assert "Motif du déplacement Salon" in shown and "GH-456-JK – Peugeot 308" in shown


def test_polls_come_fast_while_the_request_is_new_then_slow_down(as_a, offer, client_a_user):
    """The delay is the server's (by the request's age), re-armed by each answer; « every 2s »
    keeps polling if an answer is lost. 1000 ms is written without a thousands separator."""
    request = request_make(offer, client_a_user, status=Status.GENERATING, queued_at=timezone.now())
    headers = {"HX-Request": "true"}
    assert poll_trigger(as_a.get(status_url(request), headers=headers)) == (
        "load delay:100ms, every 2s"
    )
    AttestationRequest.objects.filter(pk=request.pk).update(
        queued_at=timezone.now() - datetime.timedelta(seconds=5)
    )
    assert poll_trigger(as_a.get(status_url(request), headers=headers)).startswith(
        "load delay:250ms,"
    )
    AttestationRequest.objects.filter(pk=request.pk).update(
        queued_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    assert poll_trigger(as_a.get(status_url(request))).startswith("load delay:1000ms,")


def test_a_request_whose_job_could_not_be_sent_says_it_will_be_generated_soon(
    as_a, offer, client_a_user
):
    """The broker was down when it was recorded: the recovery sends it once it is back."""
    request = request_make(offer, client_a_user)  # queued_at empty: never sent
    response = as_a.get(status_url(request))
    text = page_text(response)
    assert "Votre demande est enregistrée : elle sera générée dès que possible." in text
    assert "Réessayer" not in text and polls(page_tree(response))


def test_the_polled_part_alone_for_htmx(as_a, offer, client_a_user):
    request = request_make(offer, client_a_user, status=Status.GENERATING)
    response = as_a.get(status_url(request), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="request-status"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_ready_shows_the_download_link_and_stops_polling(as_a, offer, client_a_user):
    request = ready_request(offer, client_a_user)
    response = as_a.get(status_url(request), headers={"HX-Request": "true"})
    tree = page_tree(response)
    assert not polls(tree)
    download = reverse("extranet:document_download", args=[request.document.pk])
    (link,) = tree.xpath(f"//a[@href='{download}']")
    assert link.text_content() == "Télécharger l'attestation (PDF)"
    assert "Attestation n° ATT-2026-000042" in page_text(response)
    assert "meta http-equiv" not in as_a.get(status_url(request)).content.decode()


def test_awaiting_validation_says_it_went_to_the_cabinet(as_a, offer, client_a_user):
    document = make_document(offer.contract, shared=False)
    request = request_make(offer, client_a_user, status=Status.AWAITING_VALIDATION,
                           needs_validation=True, document=document)  # fmt: skip
    response = as_a.get(status_url(request))
    assert "Votre demande a été transmise au cabinet pour traitement" in page_text(response)
    assert not polls(page_tree(response))
    assert reverse("extranet:document_download", args=[document.pk]) not in page_text(response)
    assert "Télécharger" not in page_text(response)


def test_refused_shows_the_reason(as_a, offer, client_a_user):
    request = request_make(offer, client_a_user, status=Status.REFUSED,
                           refusal_reason="Le véhicule est vendu.")  # fmt: skip
    response = as_a.get(status_url(request))
    assert "Votre demande a été refusée." in page_text(response)
    assert "Motif : Le véhicule est vendu." in page_text(response)
    assert not page_tree(response).xpath(f"//form[@action='{retry_url(request)}']")


def test_failed_shows_the_clients_message_not_the_technical_one_and_offers_retry(
    as_a, offer, client_a_user
):
    request = request_make(
        offer, client_a_user, status=Status.FAILED,
        error="La conversion de votre attestation en PDF a échoué.\n"
              "Détail technique : ConversionError: soffice code 1",
    )  # fmt: skip
    response = as_a.get(status_url(request))
    shown = page_text(response)
    assert "La génération de votre attestation a échoué." in shown
    assert "La conversion de votre attestation en PDF a échoué." in shown
    assert "soffice" not in shown and "Détail technique" not in shown
    (form,) = page_tree(response).xpath(f"//form[@action='{retry_url(request)}']")
    assert form.xpath(".//button")[0].text_content() == "Réessayer"
    assert not polls(page_tree(response))


def test_a_request_whose_job_was_lost_can_be_retried(as_a, offer, client_a_user, settings):
    request = request_make(offer, client_a_user, status=Status.GENERATING)
    stale = timezone.now() - datetime.timedelta(
        seconds=settings.ATTESTATION_REQUEST_STALE_SECONDS + 5
    )
    AttestationRequest.objects.filter(pk=request.pk).update(updated_at=stale)
    response = as_a.get(status_url(request))
    assert not polls(page_tree(response))
    assert "Elle n'a pas abouti dans le temps prévu." in page_text(response)
    assert page_tree(response).xpath(f"//form[@action='{retry_url(request)}']")


def test_retry_sends_it_again_and_it_becomes_ready(
    as_a, offer, client_a_user, django_capture_on_commit_callbacks
):
    request = request_make(offer, client_a_user, status=Status.FAILED, error="x")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_a.post(retry_url(request))
    assert response.status_code == 302 and response.url == status_url(request)
    request.refresh_from_db()
    assert request.status == Status.READY and Document.objects.count() == 1


def test_retry_refused_shows_why(as_a, offer, client_a_user):
    request = ready_request(offer, client_a_user)
    response = as_a.post(retry_url(request), follow=True)
    assert "Cette demande n'est pas en échec : rien à réessayer." in page_text(response)


def test_a_colleague_of_the_same_client_may_follow_it(client, client_a, offer, client_a_user):
    colleague = factories.UserFactory(username="paul@dupont.fr")
    factories.ExtranetAccessFactory(user=colleague, client=client_a)
    request = request_make(offer, client_a_user)
    client.force_login(colleague)
    assert client.get(status_url(request)).status_code == 200


# -- « Mes demandes » -------------------------------------------------------------------------


def test_my_requests_lists_state_and_link(as_a, client, offer, client_a, client_a_user):
    ready = ready_request(
        offer, client_a_user, created_at=timezone.now() - datetime.timedelta(hours=2)
    )
    failed = request_make(offer, client_a_user, status=Status.FAILED, title="Carte verte")
    colleague = factories.UserFactory(username="paul@dupont.fr")
    factories.ExtranetAccessFactory(user=colleague, client=client_a)
    request_make(offer, colleague, title="Demande de Paul")

    response = as_a.get(reverse("extranet:attestation_requests"))
    tree = page_tree(response)
    rows = tree.xpath("//tbody/tr")
    assert [r.xpath("./td")[0].xpath("./a")[0].text_content() for r in rows] == [
        "Carte verte",
        "Attestation pour un événement",
    ]
    assert "Échec de la génération" in rows[0].text_content()
    assert rows[0].xpath(f".//a[@href='{status_url(failed)}']")
    assert "Disponible" in rows[1].text_content()
    download = reverse("extranet:document_download", args=[ready.document.pk])
    assert rows[1].xpath(f".//a[@href='{download}']")
    assert "Demande de Paul" not in page_text(response)


def test_my_requests_empty(as_a, offer):
    response = as_a.get(reverse("extranet:attestation_requests"))
    assert "Vous n'avez encore demandé aucune attestation." in page_text(response)


def test_my_requests_query_budget_with_200_requests(
    as_a, offer, client_a_user, django_assert_max_num_queries
):
    for n in range(200):
        if n % 2:
            ready_request(offer, client_a_user, title=f"Demande {n:03d}", numero=f"ATT-{n}")
        else:
            request_make(offer, client_a_user, title=f"Demande {n:03d}")
    # 1 session, 2 user, 3 clients (client_required), 4 the account's contracts (the filter),
    # 5 count (paginator), 6 the page of requests with their contract and document, 7 cabinet
    # name.
    with django_assert_max_num_queries(7):
        response = as_a.get(reverse("extranet:attestation_requests"))
    assert len(page_tree(response).xpath("//tbody/tr")) == 20
    assert "Page 1 sur 10" in page_text(response)


def test_a_poll_after_the_session_expired_reloads_the_page_on_the_login(
    client, offer, client_a_user
):
    request = request_make(offer, client_a_user)
    response = client.get(status_url(request), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == (
        f"{reverse('extranet:login')}?next=/extranet/demandes/{request.pk}/"
    )
