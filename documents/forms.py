"""A model's configured field (« Configurer le modèle ») as a form field, for both portals.

The client's request form and the staff preview ask for the same values: how an input
looks (label, help, choices, widget) is decided here once. The rules on the values
(types, required, lengths) stay in the services; this is only the input's shape.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.attestations.values import MAX_VALUE_LENGTH
from documents.models import TemplateField


def template_field_form_field(
    field: TemplateField, *, initial: str | None = None, check_required: bool = True
) -> forms.Field:
    """One input per unknown tag, as « Configurer le modèle » set it.

    ``check_required=False`` when a service checks the values itself and says why
    (the extranet's request: ``attestation_values_clean``); the browser still asks.
    """
    Type = TemplateField.Type
    attrs = {"maxlength": MAX_VALUE_LENGTH}
    if field.required:
        attrs["required"] = True
    label = field.label or field.name
    if not field.required:
        label = _("%(label)s (facultatif)") % {"label": label}
    common = {
        "label": label,
        "help_text": field.help_text,
        "required": field.required and check_required,
        "initial": initial,
    }
    if field.type == Type.CHOICE:
        choices = [("", "—")] + [(c, c) for c in field.choice_list]
        return forms.ChoiceField(choices=choices, **common)
    if field.type == Type.TEXTAREA:
        return forms.CharField(widget=forms.Textarea(attrs={**attrs, "rows": 4}), **common)
    if field.type == Type.DATE:
        attrs.update(placeholder=_("jj/mm/aaaa"), inputmode="numeric", autocomplete="off")
    elif field.type == Type.NUMBER:
        attrs.update(inputmode="decimal", autocomplete="off")
    return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
