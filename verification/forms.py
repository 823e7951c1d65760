"""The verification page's two forms: the attestation's number and code, and the file received."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .uploads import MAX_FILE_BYTES

MAX_FILE_MB = MAX_FILE_BYTES // (1024 * 1024)

# What each kind of file the cabinet hands out starts with.
_SIGNATURES = {"pdf": b"%PDF-", "docx": b"PK\x03\x04"}
_NOT_THAT_KIND = {
    "pdf": gettext_lazy(
        "Ce fichier n'est pas un PDF. Choisissez le fichier PDF de l'attestation reçue."
    ),
    "docx": gettext_lazy(
        "Ce fichier n'est pas un document Word (.docx). Choisissez le fichier de l'attestation "
        "reçue."
    ),
}


def _code_input(**attrs) -> forms.TextInput:
    return forms.TextInput(
        attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"} | attrs
    )


class VerificationForm(forms.Form):
    # Free text: whatever is typed goes to documents.verification, which alone knows what a
    # number and a code look like (a malformed code is simply not found).
    numero = forms.CharField(
        label=gettext_lazy("Numéro d'attestation"),
        max_length=40,
        widget=_code_input(),
    )
    code = forms.CharField(
        label=gettext_lazy("Code de vérification"),
        max_length=40,
        help_text=gettext_lazy("16 lettres et chiffres, imprimés sur l'attestation."),
        widget=_code_input(placeholder="ABCD-EFGH-JKMN-PQRS"),
    )


class FileCheckForm(forms.Form):
    """The file received, as bytes (``cleaned_data["fichier"]``), if it is of the kind the
    cabinet handed out (``kind``: "pdf" or "docx") and not over ``MAX_FILE_BYTES``
    (``too_large``: the upload handler stopped it)."""

    fichier = forms.FileField(label=gettext_lazy("Fichier reçu"), required=False)

    def __init__(self, *args, kind: str = "pdf", too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.too_large = too_large
        self.fields["fichier"].help_text = _(
            "%(size)s Mo au plus. Le fichier est comparé puis oublié : il n'est pas conservé."
        ) % {"size": MAX_FILE_MB}
        if kind == "pdf":
            self.fields["fichier"].widget.attrs["accept"] = ".pdf,application/pdf"

    def clean_fichier(self) -> bytes:
        upload = self.cleaned_data.get("fichier")
        if self.too_large or (upload is not None and upload.size > MAX_FILE_BYTES):
            raise forms.ValidationError(
                _("Ce fichier dépasse %(size)s Mo, la taille maximale acceptée.")
                % {"size": MAX_FILE_MB}
            )
        if not upload:
            raise forms.ValidationError(_("Choisissez le fichier reçu."))
        data = upload.read()
        if not data.startswith(_SIGNATURES[self.kind]):
            raise forms.ValidationError(_NOT_THAT_KIND[self.kind])
        return data
