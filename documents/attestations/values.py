"""The values a client types for a model's fields (its unknown tags), checked and normalised,
and ``RequestRefused``, how the request services say no with a sentence for the client.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.utils.translation import gettext

from documents.models import DocumentTemplate, TemplateField
from modulr.formatting import format_date

MAX_VALUE_LENGTH = 10_000


class RequestRefused(Exception):
    """The request cannot be accepted; ``str(error)`` is a French sentence for the client.

    ``field`` names the form input the message belongs to (``"beneficiary"``,
    ``"product_model"``) or is None for the whole form; ``value_errors`` maps the model's
    field names (its unknown tags) to what is wrong with each typed value.
    """

    def __init__(
        self, message: str, *, field: str | None = None, value_errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value_errors = dict(value_errors or {})


# -- the values a client types ----------------------------------------------------------------

_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")  # what a browser's date picker sends
# 12 · 12,5 · 1500.75 · 1 500 (with a space, a no-break space or a narrow one) · -3
_NUMBER = re.compile(r"^[+-]?(\d{1,3}([ \u00a0\u202f]\d{3})+|\d+)([.,]\d+)?$")


def typed_date_parse(value: str) -> datetime.date:
    """A date typed in a model's field: 28/11/2026, or 2026-11-28 from a date picker.

    Raises ValueError whose text tells the client what is wrong (not a date, no such day).
    """
    if match := _DATE_FR.match(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := _DATE_ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(
            gettext("Saisissez une date au format jj/mm/aaaa, par exemple 28/11/2026.")
        )
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(
            gettext("Cette date n'existe pas : vérifiez le jour et le mois.")
        ) from None


def _date_clean(value: str) -> tuple[str, str]:
    """28/11/2026 (or 2026-11-28) as (28/11/2026, ''); ('', error) when it is no real date."""
    try:
        date = typed_date_parse(value)
    except ValueError as error:
        return "", str(error)
    if not 1900 <= date.year <= 2200:
        return "", gettext("Vérifiez l'année de cette date.")
    return format_date(date), ""


# Invisible marks that change how a text reads without showing: direction embeddings,
# overrides and isolates (U+202A–202E, U+2066–2069), zero-width space and direction marks
# (U+200B, U+200E, U+200F), word joiner (U+2060), byte-order mark (U+FEFF) and soft hyphen
# (U+00AD, printed as « - » only where the PDF happens to break the line). The staff's
# validation screen and the PDF could show such a value differently: they are removed, so
# that what is stored, shown to staff and printed is one text. Zero-width joiner and
# non-joiner (U+200D, U+200C) are kept: emoji sequences (a family) and Persian or Indic
# words need them, and they reorder nothing.
_INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_KEPT_CONTROLS = frozenset("\t\n\u200c\u200d")
# Controls, other format characters, private use, surrogates and unassigned code points:
# no font prints them, so they would vanish from the attestation without anyone knowing.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


def _unprintable(value: str) -> str | None:
    """The first character of ``value`` that cannot be printed, if any."""
    for char in value:
        if char not in _KEPT_CONTROLS and unicodedata.category(char) in _UNPRINTABLE_CATEGORIES:
            return char
    return None


def _value_clean(field: TemplateField, raw) -> tuple[str, str]:
    """(value as the document shows it, error or '')."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        return "", gettext("Valeur invalide.")
    # A browser posts a textarea's line breaks as CR LF: one newline each, as printed.
    value = _INVISIBLE.sub("", raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if field.type != TemplateField.Type.TEXTAREA:
        value = " ".join(value.split())  # one line: no newline or tab typed or pasted
    if len(value) > MAX_VALUE_LENGTH:
        return "", gettext("Ce texte est trop long (%(max)s caractères au plus).") % {
            "max": "10 000"
        }
    if not value:
        return "", gettext("Ce champ est obligatoire.") if field.required else ""
    if (char := _unprintable(value)) is not None:
        return "", gettext("Le caractère %(code)s ne peut pas être imprimé : retirez-le.") % {
            "code": f"U+{ord(char):04X}"
        }
    if field.type == TemplateField.Type.DATE:
        return _date_clean(value)
    if field.type == TemplateField.Type.NUMBER and not _NUMBER.match(value):
        return "", gettext("Saisissez un nombre, par exemple 1 500 ou 12,5.")
    if field.type == TemplateField.Type.CHOICE and value not in field.choice_list:
        return "", gettext("Choisissez une valeur de la liste.")
    return value, ""


def attestation_values_clean(
    *, template: DocumentTemplate, values: dict[str, str]
) -> dict[str, str]:
    """The client's values for ``template``'s fields, checked and normalised.

    Only the model's own fields are accepted (a name it does not have means a tampered or
    stale form); each required one must be filled; dates become 28/11/2026, numbers and
    choices are checked, every value is at most 10,000 characters. Invisible direction and
    zero-width marks are removed (what is stored is what prints); a character no font can
    print (control, private use, unassigned) is refused, named. Raises RequestRefused with
    ``value_errors`` by field name.
    """
    fields = list(template.fields.all())
    unexpected = set(values) - {field.name for field in fields}
    if unexpected:
        raise RequestRefused(
            gettext(
                "Le formulaire envoyé ne correspond pas au modèle choisi : "
                "rechargez la page et recommencez."
            )
        )
    cleaned, errors = {}, {}
    for field in fields:
        cleaned[field.name], error = _value_clean(field, values.get(field.name))
        if error:
            errors[field.name] = error
    if errors:
        raise RequestRefused(gettext("Vérifiez les champs signalés."), value_errors=errors)
    return cleaned
