from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from contracts.selectors import clients_for_user


class EmailLoginForm(AuthenticationForm):
    """Login by e-mail address. ``AuthenticationForm`` passes ``request`` to ``authenticate``,
    which django-axes needs to count failures and lock (e-mail, IP) pairs."""

    username = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Après 5 échecs, la connexion est "
            "bloquée pendant 15 minutes."
        ),
        "inactive": _("Ce compte est désactivé."),
        "staff": _(
            "Ce compte est un compte du cabinet : il ne donne pas accès à l'espace client. "
            "Connectez-vous à l'intranet."
        ),
        "no_client": _(
            "Ce compte n'a accès à aucun contrat pour le moment. Contactez votre cabinet."
        ),
    }

    def clean_username(self) -> str:
        # One spelling per address: axes counts failures per (username, IP), and
        # « Charlie@Dupont.fr » must not get 5 more tries than « charlie@dupont.fr ».
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.is_staff or user.is_superuser:
            raise forms.ValidationError(self.error_messages["staff"], code="staff")
        if not clients_for_user(user).exists():
            raise forms.ValidationError(self.error_messages["no_client"], code="no_client")


class ClientPasswordResetForm(PasswordResetForm):
    """Password reset for extranet accounts only: a staff address gets no e-mail from here.

    Staff accounts are worth more; resetting them stays an intranet matter. The answer page
    is the same either way, so it tells nobody which addresses exist.
    """

    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def get_users(self, email):
        users = super().get_users(email)
        return (user for user in users if clients_for_user(user).exists())
