"""Access helpers: every extranet view reaches its objects through these.

Each returns the object when the extranet account may see it and raises ``Http404``
otherwise, so another client's contract looks exactly like one that does not exist
(healthchecks' ``_get_check_for_user``). ``client_required`` guards every view first.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from contracts.models import Beneficiary, Contract
from contracts.selectors import beneficiaries_current, clients_for_user, contracts_for_user
from documents.attestations.batch_selectors import attestation_batches_for_client_user
from documents.attestations.selectors import attestation_requests_for_client_user
from documents.models import AttestationBatch, AttestationRequest, Document
from documents.selectors import documents_for_client_user
from modulr.http import pk_or_404
from sharing.models import Recipient
from sharing.selectors import recipients_for_client_user


def client_required(view):
    """Anonymous: to the extranet login (with ``next``; for an htmx request, an HX-Redirect
    there, with ``next`` the page being updated). Staff, or an account given access to
    no client: a 403 page « Cet espace est réservé aux clients. ».

    We answer 403 rather than log the account out: a staff member who follows an extranet
    link keeps their intranet session. The clients the account reaches are left on
    ``request.extranet_clients`` (one query, reused by the pages). What the view answers is
    sent ``Cache-Control: private, no-store``.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            login = redirect_to_login(request.get_full_path())
            if getattr(request, "htmx", False):
                # A polled part whose session expired: reload the whole page on the login
                # page, rather than drawing the login form inside the part.
                return HttpResponseClientRedirect(login.url)
            return login
        clients = list(clients_for_user(request.user))
        if not clients:
            return render(request, "extranet/forbidden.html", status=403)
        request.extranet_clients = clients
        response = view(request, *args, **kwargs)
        # Every page behind this shows a client's data: no shared or browser cache keeps it
        # (a back button after logout, a proxy). Downloads say so already; this merges.
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapper


def contract_for_client_user(user, pk) -> Contract:
    """The contract ``pk`` if the account reaches its client; 404 otherwise."""
    return get_object_or_404(
        contracts_for_user(user).select_related("product", "client"), pk=pk_or_404(pk)
    )


def document_for_client_user(user, pk) -> Document:
    """The document ``pk`` if its contract is reachable AND it is shared on the extranet.

    A document waiting for validation is a 404, exactly like another client's.
    """
    return get_object_or_404(
        documents_for_client_user(user).select_related("contract"), pk=pk_or_404(pk)
    )


def beneficiary_for_contract(contract: Contract, pk) -> Beneficiary:
    """A current beneficiary of ``contract`` (itself from ``contract_for_client_user``); 404
    for another contract's, one that has left, or when the product has no beneficiaries."""
    if not contract.product.beneficiary_kind:
        raise Http404(_("Ce contrat n'a pas de bénéficiaires."))
    return get_object_or_404(
        beneficiaries_current(Beneficiary.objects.filter(contract=contract)), pk=pk_or_404(pk)
    )


def attestation_request_for_client_user(user, pk) -> AttestationRequest:
    """The attestation request ``pk`` if the account reaches its contract's client; 404
    otherwise. Like a document, a request belongs to the client: a colleague with access to
    the same client may follow it (and retry it); « Mes demandes » lists one's own."""
    return get_object_or_404(
        attestation_requests_for_client_user(user).select_related(
            "contract", "document__contract", "document__replaced_by", "template"
        ),
        pk=pk_or_404(pk),
    )


def recipient_for_client_user(user, pk) -> Recipient:
    """An entry of the address book of a client the account reaches; 404 for another
    client's (``recipients_for_client_user``)."""
    return get_object_or_404(
        recipients_for_client_user(user).select_related("client"), pk=pk_or_404(pk)
    )


def attestation_batch_for_client_user(user, pk) -> AttestationBatch:
    """The batch ``pk`` (« Tous les véhicules en cours ») if the account reaches its
    contract's client; 404 otherwise. Its page, its ZIP and its merged PDF all go through
    here; what they hold is each request's own rule (ready and shared)."""
    return get_object_or_404(
        attestation_batches_for_client_user(user).select_related("contract__product", "template"),
        pk=pk_or_404(pk),
    )
