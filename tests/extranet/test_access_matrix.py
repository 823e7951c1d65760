"""Every extranet URL × {client A, client B, anonymous, staff}: the one table to read.

Client A owns the contract and the documents. B is another client (404: their existence is
not even confirmed). Anonymous goes to the login page with ``next``. Staff are not clients
(403). No 200 anywhere there should be a 404 or a redirect. A third party's link (/envoi/)
is public, the same for all four, and a 404 past its 30 days.
"""

from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from documents.models import (
    AttestationBatch,
    AttestationRequest,
    DocumentTemplate,
    ProductAttestationModel,
    TemplateField,
)
from tests import factories
from tests.extranet.conftest import blank_pdf, make_document
from tests.sharing.helpers import attestation_make, recipient_make, send_make

A, B, ANON, STAFF = "client_a", "client_b", "anonyme", "staff"
LOGIN = "login"  # 302 to the extranet login page, with ``next`` = the asked URL

# (name, how to build the URL from the objects, method, expected per persona)
MATRIX = [
    ("accueil", lambda o: reverse("extranet:home"), "get",
     {A: 200, B: 200, ANON: LOGIN, STAFF: 403}),
    ("contrat : informations", lambda o: reverse("extranet:contract", args=[o["contract"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("contrat : bénéficiaires",
     lambda o: reverse("extranet:contract_beneficiaries", args=[o["contract"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("contrat : documents",
     lambda o: reverse("extranet:contract_documents", args=[o["contract"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("contrat inexistant", lambda o: reverse("extranet:contract", args=[987654]),
     "get", {A: 404, B: 404, ANON: LOGIN, STAFF: 403}),
    ("contrat sans bénéficiaires : onglet bénéficiaires",
     lambda o: reverse("extranet:contract_beneficiaries", args=[o["rc_contract"].pk]),
     "get", {A: 404, B: 404, ANON: LOGIN, STAFF: 403}),
    ("téléchargement d'un document partagé",
     lambda o: reverse("extranet:document_download", args=[o["document"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("téléchargement d'un document en attente de validation",
     lambda o: reverse("extranet:document_download", args=[o["pending"].pk]),
     "get", {A: 404, B: 404, ANON: LOGIN, STAFF: 403}),
    ("téléchargement : mauvaise méthode",
     lambda o: reverse("extranet:document_download", args=[o["document"].pk]),
     "post", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("contrat : mauvaise méthode", lambda o: reverse("extranet:contract", args=[o["contract"].pk]),
     "post", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("demande d'attestation : formulaire",
     lambda o: reverse("extranet:attestation_request_new", args=[o["contract"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    # A POST missing the required field: the form again, with its error (nothing recorded).
    ("demande d'attestation : envoi incomplet",
     lambda o: reverse("extranet:attestation_request_new", args=[o["contract"].pk]),
     "post", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("demande d'attestation : produit sans modèle",
     lambda o: reverse("extranet:attestation_request_new", args=[o["rc_contract"].pk]),
     "get", {A: 404, B: 404, ANON: LOGIN, STAFF: 403}),
    ("demande d'attestation : mauvaise méthode",
     lambda o: reverse("extranet:attestation_request_new", args=[o["contract"].pk]),
     "delete", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("mes demandes", lambda o: reverse("extranet:attestation_requests"), "get",
     {A: 200, B: 200, ANON: LOGIN, STAFF: 403}),
    ("mes demandes : mauvaise méthode", lambda o: reverse("extranet:attestation_requests"),
     "post", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("suivi d'une demande",
     lambda o: reverse("extranet:attestation_request", args=[o["request"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("suivi d'une demande inexistante",
     lambda o: reverse("extranet:attestation_request", args=[987654]),
     "get", {A: 404, B: 404, ANON: LOGIN, STAFF: 403}),
    ("suivi d'une demande : mauvaise méthode",
     lambda o: reverse("extranet:attestation_request", args=[o["request"].pk]),
     "post", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("réessayer une demande en échec",
     lambda o: reverse("extranet:attestation_request_retry", args=[o["request"].pk]),
     "post", {A: 302, B: 404, ANON: LOGIN, STAFF: 403}),
    ("réessayer : mauvaise méthode",
     lambda o: reverse("extranet:attestation_request_retry", args=[o["request"].pk]),
     "get", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    # « Envoyer à un tiers » (the attestation is A's; a document that is no attestation shows
    # why it cannot be sent) and « Mes destinataires » (A's address book).
    ("envoyer à un tiers : formulaire",
     lambda o: reverse("extranet:document_send", args=[o["attestation"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("envoyer à un tiers : pré-rempli depuis le carnet",
     lambda o: reverse("extranet:document_send", args=[o["attestation"].pk])
     + f"?destinataire={o['recipient'].pk}",
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("envoyer à un tiers : envoi incomplet",
     lambda o: reverse("extranet:document_send", args=[o["attestation"].pk]),
     "post", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("envoyer à un tiers : document qui n'est pas une attestation",
     lambda o: reverse("extranet:document_send", args=[o["document"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("envoyer à un tiers : document en attente de validation",
     lambda o: reverse("extranet:document_send", args=[o["pending"].pk]),
     "get", {A: 404, B: 404, ANON: LOGIN, STAFF: 403}),
    ("envoyer à un tiers : mauvaise méthode",
     lambda o: reverse("extranet:document_send", args=[o["attestation"].pk]),
     "delete", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("mes destinataires", lambda o: reverse("extranet:recipients"), "get",
     {A: 200, B: 200, ANON: LOGIN, STAFF: 403}),
    ("mes destinataires : mauvaise méthode", lambda o: reverse("extranet:recipients"), "post",
     {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("retirer un destinataire : confirmation",
     lambda o: reverse("extranet:recipient_delete", args=[o["recipient"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("retirer un destinataire",
     lambda o: reverse("extranet:recipient_delete", args=[o["recipient"].pk]),
     "post", {A: 302, B: 404, ANON: LOGIN, STAFF: 403}),
    ("retirer un destinataire inexistant",
     lambda o: reverse("extranet:recipient_delete", args=[987654]),
     "get", {A: 404, B: 404, ANON: LOGIN, STAFF: 403}),
    ("retirer un destinataire : mauvaise méthode",
     lambda o: reverse("extranet:recipient_delete", args=[o["recipient"].pk]),
     "put", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    # The third party's link: public, the same for everyone; dead after its 30 days.
    ("lien d'un tiers", lambda o: reverse("sharing:link", args=[o["token"]]), "get",
     {A: 200, B: 200, ANON: 200, STAFF: 200}),
    ("lien d'un tiers : téléchargement",
     lambda o: reverse("sharing:download", args=[o["token"]]), "get",
     {A: 200, B: 200, ANON: 200, STAFF: 200}),
    ("lien d'un tiers après 30 jours",
     lambda o: reverse("sharing:link", args=[o["expired_token"]]), "get",
     {A: 404, B: 404, ANON: 404, STAFF: 404}),
    ("lien d'un tiers après 30 jours : téléchargement",
     lambda o: reverse("sharing:download", args=[o["expired_token"]]), "get",
     {A: 404, B: 404, ANON: 404, STAFF: 404}),
    ("lien d'un tiers inconnu", lambda o: reverse("sharing:link", args=["x" * 43]), "get",
     {A: 404, B: 404, ANON: 404, STAFF: 404}),
    ("lien d'un tiers : mauvaise méthode",
     lambda o: reverse("sharing:download", args=[o["token"]]), "post",
     {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("demande groupée (tous les véhicules)",
     lambda o: reverse("extranet:attestation_batch", args=[o["batch"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("demande groupée inexistante", lambda o: reverse("extranet:attestation_batch", args=[987654]),
     "get", {A: 404, B: 404, ANON: LOGIN, STAFF: 403}),
    ("demande groupée : mauvaise méthode",
     lambda o: reverse("extranet:attestation_batch", args=[o["batch"].pk]),
     "post", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("demande groupée : ZIP",
     lambda o: reverse("extranet:attestation_batch_zip", args=[o["batch"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("demande groupée : ZIP, mauvaise méthode",
     lambda o: reverse("extranet:attestation_batch_zip", args=[o["batch"].pk]),
     "post", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("demande groupée : PDF unique",
     lambda o: reverse("extranet:attestation_batch_pdf", args=[o["batch"].pk]),
     "get", {A: 200, B: 404, ANON: LOGIN, STAFF: 403}),
    ("demande groupée : PDF unique, mauvaise méthode",
     lambda o: reverse("extranet:attestation_batch_pdf", args=[o["batch"].pk]),
     "post", {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("connexion", lambda o: reverse("extranet:login"), "get",
     {A: 302, B: 302, ANON: 200, STAFF: 302}),
    ("déconnexion en GET (refusée)", lambda o: reverse("extranet:logout"), "get",
     {A: 405, B: 405, ANON: 405, STAFF: 405}),
    ("déconnexion en POST", lambda o: reverse("extranet:logout"), "post",
     {A: 302, B: 302, ANON: 302, STAFF: 302}),
    ("mot de passe oublié", lambda o: reverse("extranet:password_reset"), "get",
     {A: 200, B: 200, ANON: 200, STAFF: 200}),
    ("mot de passe : e-mail envoyé", lambda o: reverse("extranet:password_reset_done"), "get",
     {A: 200, B: 200, ANON: 200, STAFF: 200}),
    ("mot de passe : lien invalide",
     lambda o: reverse("extranet:password_reset_confirm", args=["MQ", "faux-jeton"]), "get",
     {A: 200, B: 200, ANON: 200, STAFF: 200}),
    ("mot de passe : modifié", lambda o: reverse("extranet:password_reset_complete"), "get",
     {A: 200, B: 200, ANON: 200, STAFF: 200}),
]  # fmt: skip

PERSONAS = [A, B, ANON, STAFF]


@pytest.fixture
def objects(contract_a, document_a, pending_document_a, client_a, client_a_user):
    factories.VehicleFactory(contract=contract_a)
    factories.paid_quittance(contract_a)
    # An attestation model on the fleet product, with one required field, and a failed request.
    template = DocumentTemplate.objects.create(
        name="Attestation flotte", file=ContentFile(b"-", name="modele.docx")
    )
    TemplateField.objects.create(template=template, name="motif", label="Motif")
    ProductAttestationModel.objects.create(product=contract_a.product, template=template)
    failed = AttestationRequest.objects.create(
        user=client_a_user,
        contract=contract_a,
        template=template,
        title="Attestation flotte",
        values={"motif": "Salon"},
        status=AttestationRequest.Status.FAILED,
        error="La conversion a échoué.",
    )
    # A batch (« Tous les véhicules en cours ») with one attestation ready, a real PDF.
    batch = AttestationBatch.objects.create(
        user=client_a_user, contract=contract_a, template=template, title="Attestation flotte"
    )
    AttestationRequest.objects.create(
        user=client_a_user,
        contract=contract_a,
        template=template,
        batch=batch,
        title="Attestation flotte",
        status=AttestationRequest.Status.READY,
        document=make_document(contract_a, numero="ATT-2026-000009", pdf=blank_pdf()),
    )
    rc_pro = factories.ProductFactory(name="RC Pro", beneficiary_kind="")
    attestation = attestation_make(contract_a)
    _send, token = send_make(attestation)
    _expired, expired_token = send_make(attestation, expired=True)
    return {
        "attestation": attestation,
        "recipient": recipient_make(client_a),
        "token": token,
        "expired_token": expired_token,
        "batch": batch,
        "contract": contract_a,
        "document": document_a,
        "pending": pending_document_a,
        "rc_contract": factories.ContractFactory(client=client_a, product=rc_pro),
        "request": failed,
    }


@pytest.fixture
def login_as(client, client_a_user, client_b_user, staff_user):
    users = {A: client_a_user, B: client_b_user, STAFF: staff_user, ANON: None}

    def login(persona):
        if users[persona] is not None:
            client.force_login(users[persona])
        return client

    return login


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "url", "method", "expected"), MATRIX, ids=[row[0] for row in MATRIX]
)
def test_access_matrix(objects, login_as, persona, name, url, method, expected):
    http = login_as(persona)
    path = url(objects)
    response = getattr(http, method)(path)
    want = expected[persona]
    if want == LOGIN:
        assert response.status_code == 302, name
        assert response.url == f"{reverse('extranet:login')}?next={quote(path)}", name
    else:
        assert response.status_code == want, f"{name} pour {persona}"
    if want == 403:
        assert "Cet espace est réservé aux clients." in response.content.decode()


def test_matrix_covers_every_extranet_url():
    """A new extranet URL must get its row above."""
    from extranet.urls import urlpatterns

    covered = {
        "home", "contract", "contract_beneficiaries", "contract_documents", "document_download",
        "login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
        "password_reset_complete", "attestation_request_new", "attestation_requests",
        "attestation_request", "attestation_request_retry", "document_send", "recipients",
        "recipient_delete", "attestation_batch", "attestation_batch_zip", "attestation_batch_pdf",
    }  # fmt: skip
    assert {pattern.name for pattern in urlpatterns} == covered


def test_account_without_any_access_is_refused(client, db):
    """A non-staff account given access to no client is not a client either."""
    client.force_login(factories.UserFactory(email="perdu@exemple.fr"))
    response = client.get(reverse("extranet:home"))
    assert response.status_code == 403
    assert "Cet espace est réservé aux clients." in response.content.decode()


def test_staff_with_an_extranet_access_row_is_still_not_a_client(
    client, staff_user, client_a, contract_a
):
    factories.ExtranetAccessFactory(user=staff_user, client=client_a)
    client.force_login(staff_user)
    assert client.get(reverse("extranet:home")).status_code == 403
    assert client.get(reverse("extranet:contract", args=[contract_a.pk])).status_code == 403


@pytest.mark.parametrize("path", ["/intranet/", "/intranet/contracts/contract/"])
def test_client_never_reaches_the_intranet(client, client_a_user, path):
    client.force_login(client_a_user)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("intranet:login"))


def test_client_cannot_log_into_the_intranet(client, client_a_user):
    response = client.post(
        reverse("intranet:login"),
        {"username": "charlie@dupont.fr", "password": "motdepasse-solide-42"},
    )
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    assert client.get("/intranet/").status_code == 302


def test_root_sends_to_the_extranet(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/extranet/"
