"""Template tags of the extranet: the cabinet's name, dates (28/11/2026) and amounts
(1 500,00 €) in French through ``modulr.formatting``, an attestation's validity, whether it
may be sent to a third party.
"""

import datetime

from django import template
from django.utils import timezone

from contracts.selectors import cabinet_get
from documents.verification import validity_text
from modulr.formatting import format_amount, format_date
from sharing.selectors import document_send_refusal

register = template.Library()


@register.simple_tag(takes_context=True)
def cabinet_name(context) -> str:
    """The cabinet's name (one query per request, however many times the page shows it)."""
    request = context.get("request")
    if request is None:
        return cabinet_get().nom
    if not hasattr(request, "_extranet_cabinet_name"):
        request._extranet_cabinet_name = cabinet_get().nom
    return request._extranet_cabinet_name


@register.filter
def montant(value) -> str:
    """1 500 000,00 € ; « — » for no amount (a guarantee without a ceiling)."""
    return format_amount(value) or "—"


@register.filter
def date_fr(value) -> str:
    """28/11/2026 ; « — » for no date. A datetime is taken in the cabinet's time zone."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_date(value) or "—"


@register.filter
def validite(document) -> str:
    """« du 01/12/2026 au 31/12/2026 » (``documents.verification.validity_text``); "" when the
    document has no validity (not an attestation)."""
    return validity_text(document) if document is not None else ""


@register.filter
def envoyable(document) -> bool:
    """Whether « Envoyer à un tiers » is offered for ``document``
    (``sharing.selectors.document_send_refusal``)."""
    return document is not None and not document_send_refusal(document)
