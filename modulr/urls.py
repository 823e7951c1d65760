from django.urls import path
from django.views.generic import RedirectView

from intranet.sites import site as intranet_site

urlpatterns = [
    path("", RedirectView.as_view(url="/intranet/", permanent=False)),
    path("intranet/", intranet_site.urls),
]
