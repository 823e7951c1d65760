"""URLs of the public verification page, in French."""

from django.urls import path

from . import views

app_name = "verification"

urlpatterns = [
    path("", views.verify_form, name="form"),
    path("<str:code>/", views.verify_code, name="code"),
]
