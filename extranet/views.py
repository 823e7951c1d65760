"""The client portal's pages. Thin: an access helper, one selector, a template."""

from urllib.parse import urlencode

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from contracts.auth import login_key
from contracts.models import Beneficiary, Guarantee
from contracts.selectors import (
    beneficiaries_current,
    contract_annotate_beneficiary_count,
    contracts_for_user,
)
from documents.attestations.batch_selectors import (
    attestation_batches_progress,
    attestation_requests_one_row_per_batch,
)
from documents.attestations.batches import BatchAlreadySent, attestation_batch_submit
from documents.attestations.selectors import (
    attestation_request_availability,
    attestation_request_can_retry,
    attestation_request_client_error,
    attestation_request_document_for_client,
    attestation_request_in_progress,
    attestation_request_poll_delay_ms,
    attestation_request_waits_for_broker,
    attestation_requests_for_client_user,
)
from documents.attestations.submit import (
    RequestAlreadySent,
    RequestRefused,
    attestation_request_retry,
    attestation_request_submit,
)
from documents.models import AttestationRequest
from documents.selectors import document_state, documents_shared_for_contract
from documents.services import field_initial
from modulr.downloads import (
    download_name,
    file_extension,
    private_file_response,
)
from sharing.selectors import document_sends

from .access import (
    attestation_request_for_client_user,
    client_required,
    contract_for_client_user,
    document_for_client_user,
)
from .forms import (
    ALL_BENEFICIARIES,
    FIELD_PREFIX,
    AttestationRequestFilterForm,
    AttestationRequestForm,
    ClientPasswordResetForm,
    EmailLoginForm,
    request_choices,
)

DOCUMENTS_PER_PAGE = 50
REQUESTS_PER_PAGE = 20


# --- Account: login, logout, password reset ---------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "extranet/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("extranet:home")


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405): a link cannot log anyone out."""

    next_page = reverse_lazy("extranet:login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("Vous êtes déconnecté."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ClientPasswordResetForm
    template_name = "extranet/password_reset_form.html"
    success_url = reverse_lazy("extranet:password_reset_done")
    title = gettext_lazy("Mot de passe oublié")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "extranet/password_reset_done.html"
    title = gettext_lazy("E-mail envoyé")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "extranet/password_reset_confirm.html"
    success_url = reverse_lazy("extranet:password_reset_complete")
    title = gettext_lazy("Nouveau mot de passe")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever proved they own the address is no longer locked out by failed logins.
        for username in {login_key(self.user.get_username()), login_key(self.user.email)}:
            axes_reset(username=username)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "extranet/password_reset_complete.html"
    title = gettext_lazy("Mot de passe modifié")


# --- Contracts ---------------------------------------------------------------------------------


@require_safe
@client_required
def home(request):
    """« Mes contrats », grouped by client when the account reaches several."""
    contracts = contract_annotate_beneficiary_count(
        contracts_for_user(request.user).select_related("product")
    ).order_by("numero")
    by_client = {client.pk: [] for client in request.extranet_clients}
    for contract in contracts:
        by_client[contract.client_id].append(contract)
    groups = [(client, by_client[client.pk]) for client in request.extranet_clients]
    return render(request, "extranet/home.html", {"groups": groups})


@require_safe
@client_required
def contract_detail(request, pk):
    """Tab « Informations »: dates, status, guarantees."""
    contract = contract_for_client_user(request.user, pk)
    guarantees = Guarantee.objects.filter(contract=contract)
    return render(
        request,
        "extranet/contract_info.html",
        {"contract": contract, "tab": "informations", "guarantees": guarantees},
    )


@require_safe
@client_required
def contract_beneficiaries(request, pk):
    """Tab « Bénéficiaires »: the current ones (no tab when the product has none)."""
    contract = contract_for_client_user(request.user, pk)
    if not contract.product.beneficiary_kind:
        raise Http404(_("Ce contrat n'a pas de bénéficiaires."))
    beneficiaries = beneficiaries_current(Beneficiary.objects.filter(contract=contract))
    return render(
        request,
        "extranet/contract_beneficiaries.html",
        {"contract": contract, "tab": "beneficiaires", "beneficiaries": beneficiaries},
    )


@require_safe
@client_required
def contract_documents(request, pk):
    """Tab « Documents »: the documents shared on the extranet, newest first, paginated, each
    attestation with its state (revoked and replaced ones stay downloadable, marked), and the
    « Demander une attestation » button (disabled, with the reason, when it cannot be)."""
    contract = contract_for_client_user(request.user, pk)
    paginator = Paginator(documents_shared_for_contract(contract), DOCUMENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [(document, document_state(document)) for document in page.object_list]
    availability = attestation_request_availability(contract=contract)
    return render(
        request,
        "extranet/contract_documents.html",
        {
            "contract": contract,
            "tab": "documents",
            "page": page,
            "rows": rows,
            "availability": availability,
        },
    )


# --- Attestation requests ----------------------------------------------------------------------


def _request_form_initial(choices, data) -> dict[str, str]:
    """What the form shows: the resolved choices, the values typed so far, else each field's
    default (a date field may start at « today + N days »)."""
    beneficiary = str(choices.beneficiary.pk) if choices.beneficiary else ""
    initial = {
        "beneficiaire": ALL_BENEFICIARIES if choices.all_beneficiaries else beneficiary,
        "modele": str(choices.product_model.pk) if choices.product_model else "",
    }
    if choices.product_model is not None:
        for template_field in choices.product_model.template.fields.all():
            name = FIELD_PREFIX + template_field.name
            initial[name] = data[name] if name in data else field_initial(field=template_field)
    return initial


@require_http_methods(["GET", "POST"])
@client_required
def attestation_request_new(request, pk):
    """« Demander une attestation »: the form; POST ``action=refresh`` (htmx on a choice, or
    « Mettre à jour » without JavaScript) redraws it, any other POST sends the request."""
    contract = contract_for_client_user(request.user, pk)
    availability = attestation_request_availability(contract=contract)
    if not availability.has_models:
        raise Http404(_("Aucune attestation ne peut être demandée pour ce contrat."))
    context = {"contract": contract, "tab": "documents", "availability": availability}
    if availability.can_request:
        submitting = request.method == "POST" and request.POST.get("action") != "refresh"
        data = request.POST if request.method == "POST" else request.GET
        choices = request_choices(contract, data)
        form = AttestationRequestForm(
            data if submitting else None,
            contract=contract,
            choices=choices,
            refresh_url=reverse("extranet:attestation_request_new", args=[contract.pk]),
            initial=_request_form_initial(choices, data),
        )
        if submitting and form.is_valid():
            sent = _request_send(request, contract, choices, form)
            if sent is not None:
                return sent
        context["form"] = form
        if request.htmx:
            return render(request, "extranet/_attestation_request_form.html", context)
    return render(request, "extranet/attestation_request_form.html", context)


def _request_send(request, contract, choices, form):
    """Send the form's request (a batch for « Tous les … en cours »): the redirect to its
    page, or None with the refusal added to ``form``."""
    try:
        if choices.all_beneficiaries:
            batch = attestation_batch_submit(
                user=request.user,
                contract=contract,
                product_model=choices.product_model,
                values=form.values(),
            )
            return redirect("extranet:attestation_batch", batch.pk)
        sent = attestation_request_submit(
            user=request.user,
            contract=contract,
            beneficiary=choices.beneficiary,
            product_model=choices.product_model,
            values=form.values(),
        )
        return redirect("extranet:attestation_request", sent.pk)
    except RequestAlreadySent as already:  # sent twice: show the first one
        messages.info(request, already.message)
        return redirect("extranet:attestation_request", already.request.pk)
    except BatchAlreadySent as already:
        messages.info(request, already.message)
        return redirect("extranet:attestation_batch", already.batch.pk)
    except RequestRefused as refused:
        form.add_refusal(refused)
        return None


def _request_status_context(attestation_request: AttestationRequest) -> dict:
    document = attestation_request_document_for_client(attestation_request)
    in_progress = attestation_request_in_progress(attestation_request)
    return {
        "attestation_request": attestation_request,
        "document": document,
        "state": document_state(document),
        "in_progress": in_progress,
        "poll_delay_ms": attestation_request_poll_delay_ms(attestation_request)
        if in_progress
        else None,
        "waits_for_broker": attestation_request_waits_for_broker(attestation_request),
        "can_retry": attestation_request_can_retry(attestation_request),
        "client_error": attestation_request_client_error(attestation_request),
    }


@require_safe
@client_required
def attestation_request_detail(request, pk):
    """A request and its state; while it is generated, htmx polls the status part, soon after
    it is sent, then less and less often (without JavaScript, a meta refresh reloads the
    page)."""
    attestation_request = attestation_request_for_client_user(request.user, pk)
    context = _request_status_context(attestation_request)
    if request.htmx:
        response = render(request, "extranet/_attestation_request_status.html", context)
    else:
        template = attestation_request.template
        labels = {f.name: f.label for f in template.fields.all()} if template else {}
        context["values"] = [
            (labels.get(name, name), value) for name, value in attestation_request.values.items()
        ]
        document = context["document"]
        context["sends"] = document_sends(document) if document is not None else []
        response = render(request, "extranet/attestation_request_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])  # the part and the page share one URL
    return response


@require_POST
@client_required
def attestation_request_retry_view(request, pk):
    """« Réessayer » a failed request."""
    attestation_request = attestation_request_for_client_user(request.user, pk)
    try:
        attestation_request_retry(request=attestation_request, user=request.user)
    except RequestRefused as refused:
        messages.error(request, refused.message)
    if attestation_request.batch_id is not None:  # « Réessayer » on its batch's page
        return redirect("extranet:attestation_batch", attestation_request.batch_id)
    return redirect("extranet:attestation_request", attestation_request.pk)


def batches_progress_attach(requests) -> None:
    """Each batch's row in « Mes demandes » shows its progress: read for the page at once
    (one query), left on ``request.batch.progress``."""
    batches = {r.batch_id: r.batch for r in requests if r.batch_id is not None}
    if not batches:
        return
    for batch_id, progress in attestation_batches_progress(list(batches)).items():
        batches[batch_id].progress = progress


@require_safe
@client_required
def attestation_requests(request):
    """« Mes demandes »: the account's requests, newest first, 20 a page (a batch as one row,
    with its progress), each with its attestation's number and state (the request's status
    until there is one) and its link; ``?contrat=`` narrows to one of the account's contracts
    (any other id shows nothing)."""
    contracts = contracts_for_user(request.user).select_related("product").order_by("numero")
    form = AttestationRequestFilterForm(request.GET, contracts=contracts)
    mine = attestation_requests_for_client_user(request.user).filter(user=request.user)
    chosen = form.cleaned_data["contrat"] if form.is_valid() else None
    if not form.is_valid():
        mine = mine.none()  # a contract the account does not reach: none of its requests
    elif chosen is not None:
        mine = mine.filter(contract_id=chosen)
    mine = (
        attestation_requests_one_row_per_batch(mine)
        .select_related("contract", "document__contract", "document__replaced_by", "batch")
        .order_by("-created_at", "-id")
    )
    page = Paginator(mine, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    batches_progress_attach(page.object_list)
    documents = [attestation_request_document_for_client(r) for r in page.object_list]
    context = {
        "page": page,
        "rows": [
            (r, document, document_state(document))
            for r, document in zip(page.object_list, documents, strict=True)
        ],
        "form": form,
        "filtered": chosen is not None or not form.is_valid(),
        "show_filter": len(form.fields["contrat"].choices) > 2 or "contrat" in request.GET,
        "filter_query": urlencode({"contrat": chosen}) if chosen is not None else "",
    }
    return render(request, "extranet/attestation_requests.html", context)


# --- Downloads ---------------------------------------------------------------------------------


def download_filename(document) -> str:
    """« Attestation ATT-2026-000001.pdf »: the title, the number, the stored extension."""
    extension = file_extension(document.main_file.name)
    return download_name(document.title, document.numero, extension, fallback=_("Document"))


@require_safe
@client_required
def document_download(request, pk):
    """A shared document's file (the PDF, else the Word file), never by public URL."""
    document = document_for_client_user(request.user, pk)
    try:
        return private_file_response(document.main_file, filename=download_filename(document))
    except FileNotFoundError:
        return render(request, "extranet/document_missing.html", status=404)
