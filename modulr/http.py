"""HTTP helpers shared by both portals (``extranet`` and ``intranet``)."""

from django.http import Http404


def pk_or_404(value) -> int:
    """An id from a URL or a form; anything that is not one is a 404, never a 500."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
