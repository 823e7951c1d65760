"""The intranet's admin site: staff only, titled with the cabinet's name, with « Mes tâches »
and the custom document views registered by the admin modules.
"""

from django.contrib import admin
from django.http import HttpResponseNotAllowed
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _


def _cabinet_title() -> str:
    from contracts.selectors import cabinet_get

    return cabinet_get().nom or "modulr"


class IntranetSite(admin.AdminSite):
    """The staff intranet: Django's admin, in French, titled with the cabinet's name.

    Only active staff get in (``AdminSite.has_permission``, and the admin login form
    refuses non-staff accounts); extranet accounts are never staff, so they never reach it.
    """

    site_url = None
    index_title = _("Intranet")
    login_template = None
    # Django's home page with « Mes tâches » and its count on top (tasks' inbox).
    index_template = "intranet/index.html"

    def each_context(self, request):
        context = super().each_context(request)
        # One query per page at most, even when a view builds its context twice.
        title = getattr(request, "_intranet_cabinet_title", None)
        if title is None:
            title = request._intranet_cabinet_title = _cabinet_title()
        context["site_header"] = title
        context["site_title"] = title
        return context

    def get_urls(self):
        from .admin_attestations import attestation_urls
        from .task_views import task_urls

        return task_urls(self) + attestation_urls(self) + super().get_urls()

    def index(self, request, extra_context=None):
        from .dashboard import dashboard_context

        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        from .task_views import index_extra_context

        context = {**index_extra_context(request), **dashboard_context(request)}
        return super().index(request, {**context, **(extra_context or {})})


site = IntranetSite(name="intranet")
site_title_lazy = lazy(_cabinet_title, str)
