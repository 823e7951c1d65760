"""Extranet forms: login by e-mail, password reset (extranet accounts only), and the
attestation request form (beneficiary, model, one input per field of the model). They
validate input; the rules are in ``documents.attestations``.
"""

import logging
from dataclasses import dataclass

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from contracts.auth import login_key
from contracts.mail import email_message, recipient_language
from contracts.models import Beneficiary
from contracts.selectors import beneficiaries_current, clients_for_user
from contracts.services import password_reset_attempt_allowed
from documents.attestations.selectors import attestation_models_for
from documents.forms import template_field_form_field
from modulr.http import client_ip
from products.models import BeneficiaryKind
from sharing.models import MESSAGE_MAX_LENGTH, NAME_MAX_LENGTH, Role

logger = logging.getLogger(__name__)


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
        # The account is found by its address in lower case (axes counts under the same
        # spelling: ``contracts.auth.axes_username``).
        return login_key(self.cleaned_data["username"])

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

    def save(self, *args, request=None, **kwargs):
        """Sends the e-mail unless the address or the client's address asked too often; the
        answer page is the same either way."""
        email = self.cleaned_data["email"]
        if not password_reset_attempt_allowed(email=email, client_ip=client_ip(request)):
            logger.warning("Réinitialisation de mot de passe limitée : aucun e-mail envoyé.")
            return
        super().save(*args, request=request, **kwargs)

    def get_users(self, email):
        users = super().get_users(email)
        return (user for user in users if clients_for_user(user).exists())

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """The « password_reset » e-mail, in the cabinet's name like every other; its link is
        built from ``SITE_URL``, never from the Host header an attacker could set."""
        user = context["user"]
        try:
            email_message(
                name="password_reset",
                context=context,
                to=user.email,
                language=recipient_language(user),
            ).send()
        except Exception:
            # As Django does: the answer page must not tell which addresses exist.
            logger.exception("Échec de l'envoi de l'e-mail de réinitialisation à %s", user.pk)


# --- « Mes demandes » -----------------------------------------------------------------------------


class AttestationRequestFilterForm(forms.Form):
    """« Mes demandes »: the contract whose requests to show (empty: all). Offers only the
    contracts the account reaches (``contracts``, from ``contracts_for_user``): any other id is
    an invalid choice, exactly like one that does not exist."""

    contrat = forms.TypedChoiceField(
        label=_("Contrat"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contrat"].choices = [("", _("Tous les contrats"))] + [
            (str(contract.pk), f"{contract.numero} – {contract.product.name}")
            for contract in contracts
        ]


# --- Attestation request -------------------------------------------------------------------------

FIELD_PREFIX = "champ_"  # a model's field « motif » is the input « champ_motif »

_NO_BENEFICIARY = {
    BeneficiaryKind.VEHICULE: (
        _("Véhicule concerné"),
        _("Aucun véhicule en particulier : le contrat en général"),
        _("Choisissez un véhicule"),
    ),
    BeneficiaryKind.PERSONNE: (
        _("Personne concernée"),
        _("Aucune personne en particulier : le contrat en général"),
        _("Choisissez une personne"),
    ),
    BeneficiaryKind.IMMEUBLE: (
        _("Immeuble concerné"),
        _("Aucun immeuble en particulier : le contrat en général"),
        _("Choisissez un immeuble"),
    ),
}


# The beneficiary select's value for « Tous les véhicules en cours (N) »: a batch.
ALL_BENEFICIARIES = "tous"

_ALL_BENEFICIARIES = {
    BeneficiaryKind.VEHICULE: _("Tous les véhicules en cours (%(n)s)"),
    BeneficiaryKind.PERSONNE: _("Toutes les personnes en cours (%(n)s)"),
    BeneficiaryKind.IMMEUBLE: _("Tous les immeubles en cours (%(n)s)"),
}


@dataclass(frozen=True)
class RequestChoices:
    """What the client may pick right now, given what the form last sent."""

    beneficiaries: list  # current beneficiaries, when the product has « Bénéficiaire » models
    contract_models: list  # ProductAttestationModel linked to « Contrat »
    beneficiary: object | None  # the chosen beneficiary (one of ``beneficiaries``)
    candidates: list  # the models offered for that choice
    product_model: object | None  # the chosen model (one of ``candidates``)
    all_beneficiaries: bool = False  # « Tous les … en cours »: one request for each (a batch)


def request_choices(contract, data) -> RequestChoices:
    """Resolve the beneficiary and model choices from ``data`` (GET or POST), by the product
    page's rule (``attestation_models_for``). Anything not offered falls back to the default.
    « Tous les … en cours » offers the « Bénéficiaire » models, as one beneficiary does."""
    contract_models = attestation_models_for(contract=contract, beneficiary_chosen=False)
    beneficiary_models = attestation_models_for(contract=contract, beneficiary_chosen=True)
    beneficiaries = []
    if beneficiary_models:
        beneficiaries = list(beneficiaries_current(Beneficiary.objects.filter(contract=contract)))
    chosen_beneficiary = data.get("beneficiaire", "")
    beneficiary = {str(b.pk): b for b in beneficiaries}.get(chosen_beneficiary)
    # Offered from two beneficiaries on: « all » of one is that one.
    all_beneficiaries = len(beneficiaries) > 1 and chosen_beneficiary == ALL_BENEFICIARIES
    if beneficiary is not None or all_beneficiaries or (beneficiaries and not contract_models):
        # A beneficiary is chosen, or must be: the « Bénéficiaire » models, shown at once.
        candidates = beneficiary_models
    else:
        candidates = contract_models
    chosen = {str(m.pk): m for m in candidates}.get(data.get("modele", ""))
    return RequestChoices(
        beneficiaries=beneficiaries,
        contract_models=contract_models,
        beneficiary=beneficiary,
        candidates=candidates,
        product_model=chosen or (candidates[0] if candidates else None),
        all_beneficiaries=all_beneficiaries,
    )


class AttestationRequestForm(forms.Form):
    """« Demander une attestation »: the beneficiary (or the contract in general), the model
    (only when there is a choice), then the model's fields."""

    def __init__(self, *args, contract, choices: RequestChoices, refresh_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        refresh = {
            "hx-post": refresh_url,
            "hx-trigger": "change",
            "hx-target": "#attestation-form",
            "hx-swap": "outerHTML",
            "hx-vals": '{"action": "refresh"}',
            # The last choice wins: a redraw still on its way when another choice is made is
            # abandoned (the newer one sends the whole form). Otherwise the first answer could
            # draw the form without the newer choice, whose own answer then finds its form gone
            # from the page; and a second choice on the same list would be dropped.
            "hx-sync": "closest form:replace",
        }
        if choices.beneficiaries:
            label, none_label, placeholder = _NO_BENEFICIARY.get(
                contract.product.beneficiary_kind,
                (_("Bénéficiaire concerné"), _("Le contrat en général"), _("Choisissez")),
            )
            first = none_label if choices.contract_models else placeholder
            options = [("", first)]
            if len(choices.beneficiaries) > 1:
                text = _ALL_BENEFICIARIES.get(
                    contract.product.beneficiary_kind, _("Tous les bénéficiaires en cours (%(n)s)")
                )
                options.append((ALL_BENEFICIARIES, text % {"n": len(choices.beneficiaries)}))
            self.fields["beneficiaire"] = forms.ChoiceField(
                label=label,
                choices=options + [(str(b.pk), b.libelle) for b in choices.beneficiaries],
                required=not choices.contract_models,
                widget=forms.Select(attrs=refresh),
            )
        if len(choices.candidates) > 1:
            self.fields["modele"] = forms.ChoiceField(
                label=_("Attestation"),
                choices=[(str(m.pk), m.display_title) for m in choices.candidates],
                widget=forms.Select(attrs=refresh),
            )
        if choices.product_model is not None:
            for template_field in choices.product_model.template.fields.all():
                self.fields[FIELD_PREFIX + template_field.name] = template_field_form_field(
                    template_field, check_required=False
                )

    @property
    def choice_fields(self):
        return [self[name] for name in ("beneficiaire", "modele") if name in self.fields]

    @property
    def value_fields(self):
        return [self[name] for name in self.fields if name.startswith(FIELD_PREFIX)]

    def values(self) -> dict[str, str]:
        """The typed values by the model's field name (after ``is_valid``)."""
        return {
            name[len(FIELD_PREFIX) :]: value or ""
            for name, value in self.cleaned_data.items()
            if name.startswith(FIELD_PREFIX)
        }

    def add_refusal(self, refused) -> None:
        """Show a ``RequestRefused`` next to the fields it names, or above the form."""
        where = {"beneficiary": "beneficiaire", "product_model": "modele"}.get(refused.field)
        self.add_error(where if where in self.fields else None, refused.message)
        for name, message in refused.value_errors.items():
            field = FIELD_PREFIX + name
            self.add_error(field if field in self.fields else None, message)


# --- Sending an attestation to a third party -----------------------------------------------------


class DocumentSendForm(forms.Form):
    """« Envoyer à un tiers »: who (name, address, role), a short message, a copy to oneself.
    ``sharing.services.document_send`` checks it all again."""

    nom = forms.CharField(
        label=_("Nom du destinataire"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail du destinataire"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, widget=forms.RadioSelect)
    # No max_length here: a browser sends each line break as two characters, and the
    # service counts them as one (its refusal shows on this field).
    message = forms.CharField(
        label=_("Message (facultatif)"),
        required=False,
        strip=False,
        help_text=_(
            "Quelques mots pour le destinataire, en texte simple (1000 caractères au plus)."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX_LENGTH}),
    )
    copie = forms.BooleanField(label=_("M'envoyer une copie"), required=False)

    def send_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["nom"],
            "email": data["email"],
            "role": data["role"],
            "message": data["message"],
            "copy_to_self": data["copie"],
        }

    def add_refusal(self, refused) -> None:
        """The service's refusal on its field, or above the form."""
        self.add_error(refused.field if refused.field in self.fields else None, refused.message)
