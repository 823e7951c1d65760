"""URLs of the extranet (client portal), in French."""

from django.urls import path

from . import batch_views, sharing_views, views

app_name = "extranet"

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/envoye/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/termine/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("contrats/<int:pk>/", views.contract_detail, name="contract"),
    path(
        "contrats/<int:pk>/beneficiaires/",
        views.contract_beneficiaries,
        name="contract_beneficiaries",
    ),
    path("contrats/<int:pk>/documents/", views.contract_documents, name="contract_documents"),
    path("documents/<int:pk>/telecharger/", views.document_download, name="document_download"),
    path(
        "contrats/<int:pk>/attestation/",
        views.attestation_request_new,
        name="attestation_request_new",
    ),
    path("demandes/", views.attestation_requests, name="attestation_requests"),
    path("demandes/<int:pk>/", views.attestation_request_detail, name="attestation_request"),
    path("demandes/lots/<int:pk>/", batch_views.attestation_batch_detail, name="attestation_batch"),
    path(
        "demandes/lots/<int:pk>/attestations.zip",
        batch_views.attestation_batch_zip,
        name="attestation_batch_zip",
    ),
    path(
        "demandes/lots/<int:pk>/attestations.pdf",
        batch_views.attestation_batch_pdf,
        name="attestation_batch_pdf",
    ),
    path(
        "demandes/<int:pk>/reessayer/",
        views.attestation_request_retry_view,
        name="attestation_request_retry",
    ),
    path("documents/<int:pk>/envoyer/", sharing_views.document_send_view, name="document_send"),
    path("destinataires/", sharing_views.recipients, name="recipients"),
    path(
        "destinataires/<int:pk>/retirer/",
        sharing_views.recipient_delete,
        name="recipient_delete",
    ),
]
