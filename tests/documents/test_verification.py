"""An attestation anyone can check: its validity, its verification code and QR code, its live
state, the file's fingerprint (``documents.verification``)."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.utils import timezone

from contracts.models import Contract
from documents.models import Document, TemplateField
from documents.services import attestation_generate, document_template_sync_fields
from documents.verification import (
    CODE_ALPHABET,
    attestation_file_matches,
    attestation_find,
    attestation_state,
    verification_code_normalize,
    verification_url,
)
from tests import docx_models, factories
from tests.documents.generation_helpers import cabinet_make, fleet_contract_make, template_make
from tests.qr import pdf_qr_codes

TODAY = datetime.date(2026, 12, 1)


def _generate(client_a, *, values=None, pdf=True, validity_fields=("", ""), **contract):
    cabinet_make()
    fleet, vehicle = fleet_contract_make(client_a)
    Contract.objects.filter(pk=fleet.pk).update(**contract)
    fleet.refresh_from_db()
    template = template_make(
        docx_models.verified_model(),
        pdf_conversion=pdf,
        validity_start_field=validity_fields[0],
        validity_end_field=validity_fields[1],
    )
    document_template_sync_fields(template=template, unknown_tags=["motif"] + [
        name for name in validity_fields if name
    ])  # fmt: skip
    TemplateField.objects.filter(template=template, name__startswith="date").update(
        type=TemplateField.Type.DATE
    )
    document = attestation_generate(
        template=template, contract=fleet, beneficiary=vehicle, values=values or {"motif": "x"},
        shared=True,
    )  # fmt: skip
    return document, fleet


@pytest.mark.django_db
def test_the_pdf_carries_its_code_url_validity_and_a_qr_code_of_its_url(client_a, settings):
    settings.SITE_URL = "https://attestations.martin-courtage.fr"
    document, fleet = _generate(client_a)
    with document.pdf_file.open("rb") as handle:
        pdf = handle.read()
    text = docx_models.pdf_text(pdf)

    code = document.verification_code
    assert len(code) == 16 and set(code) <= set(CODE_ALPHABET)
    assert code not in document.numero and document.numero.split("-")[-1] not in code
    url = f"https://attestations.martin-courtage.fr/verifier/{code}/"
    assert verification_url(code) == url
    assert f"Code de vérification : {document.verification_code_display}" in text
    assert re.fullmatch(r"([A-Z2-9]{4}-){3}[A-Z2-9]{4}", document.verification_code_display)
    assert url in text.replace("\n", "")
    assert pdf_qr_codes(pdf) == [url]
    # Default validity: from today to the end of the paid quittance covering today.
    quittance = fleet.quittances.get()
    assert document.valid_from == timezone.localdate()
    assert document.valid_until == quittance.periode_fin
    assert f"Valable du {document.valid_from:%d/%m/%Y} au {quittance.periode_fin:%d/%m/%Y}" in text
    # The fingerprint is the delivered file's, byte for byte.
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert attestation_file_matches(document, pdf)
    altered = pdf[:-10] + bytes([pdf[-10] ^ 1]) + pdf[-9:]
    assert not attestation_file_matches(document, altered)


@pytest.mark.django_db
def test_two_attestations_never_share_a_code(client_a):
    first, fleet = _generate(client_a, pdf=False)
    second = attestation_generate(
        template=first.template, contract=fleet, beneficiary=first.beneficiary,
        values={"motif": "y"}, shared=True,
    )  # fmt: skip
    assert first.verification_code != second.verification_code
    # Word only: the fingerprint is the Word file's.
    with second.word_file.open("rb") as handle:
        assert second.sha256 == hashlib.sha256(handle.read()).hexdigest()


@pytest.mark.django_db
def test_validity_ends_with_the_contract_when_it_ends_before_the_quittance(client_a):
    end = timezone.localdate() + datetime.timedelta(days=20)
    document, _fleet = _generate(client_a, pdf=False, date_fin=end)
    assert document.valid_until == end


@pytest.mark.django_db
def test_a_model_can_take_its_validity_from_its_own_date_fields(client_a):
    document, _fleet = _generate(
        client_a, pdf=False, validity_fields=("date_debut", "date_fin"),
        values={"motif": "Salon", "date_debut": "2026-12-10", "date_fin": "14/12/2026"},
    )  # fmt: skip
    assert (document.valid_from, document.valid_until) == (
        datetime.date(2026, 12, 10), datetime.date(2026, 12, 14),
    )  # fmt: skip
    assert attestation_state(document, today=TODAY).text == "Valide à partir du 10/12/2026"
    assert attestation_state(document, today=datetime.date(2026, 12, 12)).text == (
        "Valide jusqu'au 14/12/2026"
    )


# -- the live state ---------------------------------------------------------------------------


def _document(client_a, **fields) -> Document:
    if "contract" not in fields:
        fields["contract"] = factories.ContractFactory(client=client_a, numero="RC-2026-0007")
    defaults = {
        "title": "Attestation", "numero": "ATT-2026-000321",
        "valid_from": datetime.date(2026, 11, 1), "valid_until": datetime.date(2026, 12, 31),
        "verification_code": "K7PM3QXD9RTAWB4H",
    }  # fmt: skip
    return Document.objects.create(**{**defaults, **fields})


@pytest.mark.django_db
def test_states_valid_expired_revoked_replaced(client_a):
    document = _document(client_a)
    assert attestation_state(document, today=TODAY).text == "Valide jusqu'au 31/12/2026"
    assert attestation_state(document, today=TODAY).valid
    expired = attestation_state(document, today=datetime.date(2027, 1, 5))
    assert (expired.kind, expired.text) == ("expired", "Expirée depuis le 01/01/2027")
    assert not expired.valid

    document.revoked_at = timezone.make_aware(datetime.datetime(2026, 11, 20, 10))
    document.revocation_public_reason = "Véhicule vendu"
    revoked = attestation_state(document, today=TODAY)
    assert (revoked.text, revoked.note) == ("Révoquée le 20/11/2026", "Véhicule vendu")

    replacement = _document(client_a, numero="ATT-2026-000400", verification_code="A" * 16,
                            contract=document.contract)  # fmt: skip
    document.revoked_at = None
    document.replaced_by = replacement
    assert attestation_state(document, today=TODAY).text == (
        "Remplacée par l'attestation n° ATT-2026-000400"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "text"),
    [
        (Contract.Status.RESILIE, "Contrat résilié depuis le 15/11/2026"),
        (Contract.Status.SUSPENDU, "Contrat suspendu depuis le 15/11/2026"),
    ],
)
def test_a_terminated_contract_shows_from_its_date_with_no_action(client_a, status, text):
    document = _document(client_a)
    Contract.objects.filter(pk=document.contract_id).update(
        status=status, date_resiliation=datetime.date(2026, 11, 15)
    )
    document.refresh_from_db()
    assert attestation_state(document, today=datetime.date(2026, 11, 14)).kind == "valid"
    ended = attestation_state(document, today=datetime.date(2026, 11, 15))
    assert (ended.kind, ended.text, ended.valid) == ("contract_ended", text, False)


# -- finding it -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_code_and_a_wrong_number_look_the_same(client_a):
    document = _document(client_a)
    assert attestation_find(code="k7pm-3qxd 9rta-wb4h", numero="att-2026-000321") == document
    assert attestation_find(code="K7PM3QXD9RTAWB4H") == document
    assert attestation_find(code="K7PM3QXD9RTAWB4J", numero="ATT-2026-000321") is None
    assert attestation_find(code="K7PM3QXD9RTAWB4H", numero="ATT-2026-000322") is None
    assert attestation_find(code="<script>", numero="ATT-2026-000321") is None
    assert verification_code_normalize("K7PM-3QXD-9RTA-WB40") == ""  # 0 is not in the alphabet


@pytest.mark.django_db
def test_an_attestation_awaiting_validation_is_not_found(client_a, client_a_user):
    from tests.documents.request_helpers import fleet_offer_make, request_make

    offer = fleet_offer_make(client_a)
    document = _document(client_a, contract=offer.contract)
    request_make(offer, client_a_user, status="awaiting_validation", document=document)
    assert attestation_find(code=document.verification_code) is None
