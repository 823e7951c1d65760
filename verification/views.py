"""The public verification page (being written: the form and the code's page)."""

from django.http import Http404


def verify_form(request):
    raise Http404


def verify_code(request, code: str):
    raise Http404
