"""What a client types is what prints: invisible direction and zero-width marks are removed
where the values are cleaned (stored, shown to staff and printed without them), and a
character no font can print is refused with its code, whichever caller sends it."""

import pytest
from django.urls import reverse

from documents.attestations.values import RequestRefused, attestation_values_clean
from documents.models import Document
from tests import docx_models
from tests.documents.validation_helpers import (
    VALUES,
    attestation_template_make,
    request_held,
    validation_template_make,
)
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

# « Salon de l'auto » with a byte-order mark, a zero-width space, a right-to-left override
# (the rest would read backwards), an isolate, its pop, and marks left-to-right/right-to-left.
TRICKED = "\ufeffSalon\u200b de\u202e l'auto\u2066\u2069\u200e\u200f\u202a\u202c\u2060\u00ad"
SHOWN = "Salon de l'auto"


@pytest.fixture
def template(fleet):
    return attestation_template_make(fleet[0])


def clean(template, **values):
    return attestation_values_clean(template=template, values={**VALUES, **values})


def refusal(template, **values) -> str:
    with pytest.raises(RequestRefused) as caught:
        clean(template, **values)
    return caught.value.value_errors["motif"]


# -- invisible marks are removed ---------------------------------------------------------------


def test_direction_and_zero_width_marks_are_removed(template):
    assert clean(template, motif=TRICKED)["motif"] == SHOWN
    assert clean(template, motif="rapport\u202etxt.exe")["motif"] == "rapporttxt.exe"


def test_every_listed_mark_is_removed(template):
    marks = [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
    marks += [0x200B, 0x200E, 0x200F, 0x2060, 0xFEFF]
    for code in marks:
        assert clean(template, motif=f"A{chr(code)}B")["motif"] == "AB", f"U+{code:04X}"


def test_joiners_stay_inside_emoji_and_words(template):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man, ZWJ, woman, ZWJ, girl
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # a ZWNJ Persian needs

    assert clean(template, motif=f"Famille {family}")["motif"] == f"Famille {family}"
    assert clean(template, motif=persian)["motif"] == persian


def test_a_value_of_marks_only_is_empty(template):
    assert refusal(template, motif="\u200b\u202e\ufeff") == "Ce champ est obligatoire."


# -- characters no font prints are refused, named ----------------------------------------------


@pytest.mark.parametrize(
    ("char", "code"),
    [
        ("\ue000", "U+E000"),  # Co: private use
        ("\uf8ff", "U+F8FF"),  # Co: private use (a vendor's logo)
        ("\U000f0000", "U+F0000"),  # Co: supplementary private use
        ("\u0378", "U+0378"),  # Cn: unassigned
        ("\U0010fffe", "U+10FFFE"),  # Cn: noncharacter
        ("\x07", "U+0007"),  # Cc: bell
        ("\x1b", "U+001B"),  # Cc: escape
        ("\u2062", "U+2062"),  # Cf: invisible times
        ("\u206a", "U+206A"),  # Cf: deprecated format character
    ],
)
def test_a_character_that_cannot_print_is_refused_by_its_code(template, char, code):
    message = f"Le caractère {code} ne peut pas être imprimé : retirez-le."

    assert refusal(template, motif=f"Salon {char} 2026") == message


def test_tabs_and_newlines_are_kept_in_a_text_area(template):
    template.fields.filter(name="motif").update(type="textarea")

    assert clean(template, motif="Ligne 1\r\n\tLigne 2")["motif"] == "Ligne 1\n\tLigne 2"
    # On one line every whitespace is one space; a text area keeps lines, not other controls.
    assert refusal(template, motif="Ligne 1\x85Ligne 2") == (
        "Le caractère U+0085 ne peut pas être imprimé : retirez-le."
    )


def test_the_extranet_form_shows_the_refusal_next_to_the_field(as_a, template, fleet):
    contract, vehicle = fleet
    response = as_a.post(
        reverse("extranet:attestation_request_new", args=[contract.pk]),
        {
            "beneficiaire": vehicle.pk,
            "modele": template.product_links.get().pk,
            "champ_motif": "Salon \ue000",
            "champ_date_debut": "01/12/2026",
            "champ_date_fin": "05/12/2026",
            "action": "send",
        },
    )

    assert response.status_code == 200
    assert "Le caractère U+E000 ne peut pas être imprimé : retirez-le." in page_text(response)


# -- stored, shown to staff and printed as cleaned ---------------------------------------------


@pytest.mark.libreoffice
def test_the_pdf_and_the_staff_task_page_show_the_value_without_the_marks(
    as_bob, fleet, client_a_user, other_staff, django_capture_on_commit_callbacks
):
    contract, vehicle = fleet
    template = attestation_template_make(contract, pdf=True)
    validation_template_make(other_staff)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_held(
            user=client_a_user,
            contract=contract,
            template=template,
            beneficiary=vehicle,
            values={**VALUES, "motif": TRICKED},
        )

    assert request.values["motif"] == SHOWN
    pdf = Document.objects.get(pk=request.document_id).pdf_file.read()
    assert f"Motif : {SHOWN}" in docx_models.pdf_text(pdf)
    task_page = page_text(as_bob.get(reverse("intranet:tasks_inbox_task", args=[request.task_id])))
    assert SHOWN in task_page
    assert not any(mark in task_page for mark in "\u202e\u200b\ufeff\u2066")
