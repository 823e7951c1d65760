"""An attestation's sends to third parties, as staff see them: a read-only block on the
document's page, on its request's page and on its validation task's page. The reads are
``sharing.selectors``'."""

from django.template.loader import render_to_string
from django.utils.translation import gettext

from documents.models import Document
from sharing.selectors import document_sends


def document_sends_html(document: Document | None) -> str:
    """The table of ``document``'s sends (who sent it to whom, when, opened and downloaded
    when); a dash for none."""
    sends = list(document_sends(document)) if document is not None else []
    if not sends:
        return gettext("Aucun envoi.") if document is not None else "—"
    return render_to_string("intranet/_document_sends.html", {"sends": sends})
