"""Root URLs: the extranet at ``/extranet/``, the intranet at ``/intranet/``."""

from django.urls import include, path
from django.views.generic import RedirectView

from intranet.sites import site as intranet_site
from modulr.health import healthz

urlpatterns = [
    # Clients land on their portal; staff go to /intranet/ themselves.
    path("", RedirectView.as_view(url="/extranet/", permanent=False)),
    path("extranet/", include("extranet.urls")),
    path("intranet/", intranet_site.urls),
    path("verifier/", include("verification.urls")),  # public: no login
    path("envoi/", include("sharing.urls")),  # a third party's link: no login
    path("healthz", healthz, name="healthz"),  # monitoring: no login, no personal data
]
