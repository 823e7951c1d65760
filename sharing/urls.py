"""The third party's link, in French: public, no login (``/envoi/<token>/``)."""

from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("<str:token>/", views.send_link, name="link"),
    path("<str:token>/telecharger/", views.send_link_download, name="download"),
]
