"""« Envoyer à un tiers » and « Mes destinataires »: the form that sends an attestation to a
third party (the client's address book as one-click choices), the history of its sends, and
the address book itself. The rules are in ``sharing``; these views check access and render.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from modulr.formatting import format_date
from sharing.selectors import (
    document_send_refusal,
    document_sends,
    recipients_for_client,
    recipients_for_client_user,
)
from sharing.services import SendRefused, document_send, recipient_remove

from .access import client_required, document_for_client_user, recipient_for_client_user
from .forms import DocumentSendForm


def _prefill(address_book, chosen: str | None) -> tuple[dict, object | None]:
    """The form's initial values from ``?destinataire=<id>``: one of this client's address
    book, else nothing (another client's id, or no id, pre-fills nothing)."""
    recipient = next((r for r in address_book if str(r.pk) == (chosen or "")), None)
    if recipient is None:
        return {}, None
    return {"nom": recipient.name, "email": recipient.email, "role": recipient.role}, recipient


def _sent_message(send) -> str:
    text = _(
        "L'attestation n° %(numero)s a été envoyée à %(nom)s (%(email)s). Le lien est valable "
        "jusqu'au %(date)s."
    ) % {
        "numero": send.document.numero or "",
        "nom": send.recipient_name,
        "email": send.recipient_email,
        "date": format_date(timezone.localdate(send.expires_at)),
    }
    if send.copy_to_sender:
        text += " " + _("Une copie vous a été envoyée, sans le lien.")
    return text


@require_http_methods(["GET", "POST"])
@client_required
def document_send_view(request, pk):
    """« Envoyer à un tiers »: the form (pre-filled from the address book with
    ``?destinataire=<id>``), the reason when the attestation may not be sent, its sends."""
    document = document_for_client_user(request.user, pk)
    refusal = document_send_refusal(document)
    address_book = list(recipients_for_client(document.contract.client_id))
    initial, chosen = _prefill(address_book, request.GET.get("destinataire"))
    form = None
    if not refusal:
        form = DocumentSendForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_bound and form.is_valid():
            try:
                send = document_send(document=document, user=request.user, **form.send_arguments())
            except SendRefused as refused:
                form.add_refusal(refused)
            else:
                messages.success(request, _sent_message(send))
                return redirect("extranet:document_send", document.pk)
    context = {
        "document": document,
        "contract": document.contract,
        "refusal": refusal,
        "form": form,
        "address_book": address_book,
        "chosen": chosen,
        "sends": document_sends(document),
    }
    return render(request, "extranet/document_send.html", context)


@require_safe
@client_required
def recipients(request):
    """« Mes destinataires »: the address book of each client the account reaches."""
    by_client = {client.pk: [] for client in request.extranet_clients}
    for recipient in recipients_for_client_user(request.user).order_by("name", "id"):
        by_client[recipient.client_id].append(recipient)
    groups = [(client, by_client[client.pk]) for client in request.extranet_clients]
    return render(request, "extranet/recipients.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
@client_required
def recipient_delete(request, pk):
    """« Retirer » an entry of the address book: a confirmation page, then POST."""
    recipient = recipient_for_client_user(request.user, pk)
    if request.method == "POST":
        recipient_remove(recipient=recipient, user=request.user)
        messages.success(
            request,
            _("%(nom)s (%(email)s) a été retiré de vos destinataires.")
            % {"nom": recipient.name, "email": recipient.email},
        )
        return redirect("extranet:recipients")
    return render(request, "extranet/recipient_delete.html", {"recipient": recipient})
