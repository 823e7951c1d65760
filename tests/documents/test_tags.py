import datetime
import json

import pytest

from documents.tags import KNOWN_ROOTS, KNOWN_TAGS, sample_context, tag_context, tag_examples
from tests import factories
from tests.documents.generation_helpers import cabinet_make, fleet_contract_make

NNBSP, NBSP = "\u202f", "\u00a0"
TODAY = datetime.date(2026, 11, 28)


def test_every_known_tag_has_a_root_and_a_description():
    for tag in KNOWN_TAGS:
        root = tag.name.split(".")[0]
        assert root in KNOWN_ROOTS or root == "g", tag.name
        assert str(tag.description)
    names = {t.name for t in KNOWN_TAGS}
    assert {"contrat.garanties", "g.nom", "g.plafond", "g.franchise"} <= names
    assert {"attestation.numero", "attestation.date", "date_du_jour"} <= names


def test_sample_context_has_the_full_shape_of_the_real_one(client_a):
    cabinet_make()
    contract, vehicle = fleet_contract_make(client_a, today=TODAY)
    real = tag_context(contract=contract, beneficiary=vehicle, numero="X", today=TODAY)
    sample = sample_context()
    assert set(sample) == set(real) == KNOWN_ROOTS
    for root in KNOWN_ROOTS - {"date_du_jour"}:
        assert set(sample[root]) == set(real[root]), root
    assert set(sample["contrat"]["garanties"][0]) == set(real["contrat"]["garanties"][0])


@pytest.mark.django_db
def test_context_of_a_fleet_contract_formatted_the_french_way(client_a):
    cabinet_make()
    contract, vehicle = fleet_contract_make(client_a, today=TODAY)

    context = tag_context(
        contract=contract, beneficiary=vehicle, numero="ATT-2026-000007", today=TODAY
    )

    assert context["cabinet"]["nom"] == "Courtage Martin & Associés"
    assert context["cabinet"]["orias"] == "07001234"
    assert context["client"]["nom"] == "Transports Dupont SAS"
    assert context["client"]["siren"] == "552100554"
    assert context["contrat"] == {
        "numero": "FL-2026-0042",
        "produit": "Flotte automobile",
        "compagnie": "Allianz IARD",
        "date_effet": "01/01/2025",
        "echeance": "01/01",
        "date_fin": "",
        "statut": "En cours",
        "garanties": [
            {
                "nom": "Responsabilité civile",
                "plafond": f"1{NNBSP}500{NNBSP}000,00{NBSP}€",
                "franchise": "",
            },
            {
                "nom": "Bris de glace",
                "plafond": f"2{NNBSP}500,00{NBSP}€",
                "franchise": f"150,00{NBSP}€",
            },
        ],
    }
    assert context["quittance"] == {"periode_debut": "18/11/2026", "periode_fin": "16/02/2027"}
    assert context["beneficiaire"]["type"] == "Véhicule"
    assert context["beneficiaire"]["immatriculation"] == "GH-456-JK"
    assert context["beneficiaire"]["libelle"] == "GH-456-JK – Peugeot 308"
    assert context["beneficiaire"]["date_entree"] == (vehicle.date_entree.strftime("%d/%m/%Y"))
    assert context["beneficiaire"]["nom"] == ""  # a vehicle has no name: empty, not missing
    # Without an attestation's own tags (validity, code: known at generation), blank.
    assert context["attestation"] == {
        "numero": "ATT-2026-000007", "date": "28/11/2026", "valable_du": "",
        "valable_jusqu_au": "", "code_verification": "", "url_verification": "", "qr_code": "",
    }  # fmt: skip
    assert context["date_du_jour"] == "28/11/2026"
    # Plain data only: nothing a model could call into.
    assert json.loads(json.dumps(context)) == context


@pytest.mark.django_db
def test_quittance_tags_only_for_an_entirely_paid_quittance_covering_today(client_a):
    contract = factories.ContractFactory(client=client_a)
    factories.QuittanceFactory(
        contract=contract,
        periode_debut=TODAY - datetime.timedelta(days=5),
        periode_fin=TODAY + datetime.timedelta(days=5),
    )  # not paid

    context = tag_context(contract=contract, today=TODAY)

    assert context["quittance"] == {"periode_debut": "", "periode_fin": ""}


@pytest.mark.django_db
def test_person_beneficiary_and_no_beneficiary(client_a):
    contract = factories.ContractFactory(client=client_a)
    person = factories.PersonFactory(contract=contract)

    with_person = tag_context(contract=contract, beneficiary=person, today=TODAY)
    without = tag_context(contract=contract, today=TODAY)

    assert with_person["beneficiaire"]["type"] == "Personne"
    assert with_person["beneficiaire"]["date_naissance"] == "14/03/1985"
    assert with_person["beneficiaire"]["libelle"] == "Claire Martin"
    assert set(without["beneficiaire"].values()) == {""}


@pytest.mark.django_db
def test_examples_for_the_dictionary_page_come_from_the_contract(client_a):
    cabinet_make()
    contract, vehicle = fleet_contract_make(client_a)

    rows = {name: (description, example) for name, description, example in tag_examples(
        contract=contract, beneficiary=vehicle)}  # fmt: skip

    assert list(rows) == [t.name for t in KNOWN_TAGS]
    assert rows["contrat.numero"] == ("Numéro du contrat", "FL-2026-0042")
    assert rows["g.nom"][1] == "Responsabilité civile"
    assert rows["contrat.garanties"][1] == "Responsabilité civile, Bris de glace"
    assert rows["beneficiaire.immatriculation"][1] == "GH-456-JK"
    assert rows["attestation.numero"][1].startswith("ATT-")
