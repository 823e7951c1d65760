"""What the demo cabinet contains: logins, cabinet, products, clients and contracts.

Dates come from ``demo_contracts(today)``: calendar quarters and insurance years around
today, so each contract shows the same state whatever the day.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from products.models import BeneficiaryKind

from ..models import Client, Contract, Payment, Quittance

DEMO_PASSWORD = "demo-modulr-2026"

DAY = timedelta(days=1)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    portal: str  # "intranet" or "extranet"
    role: str  # shown by ``manage.py demo_logins``
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    group: str = ""
    is_superuser: bool = False
    clients: tuple[str, ...] = ()


TRANSPORTS_DUPONT = "Transports Dupont SAS"
DUPONT_LOGISTIQUE = "Dupont Logistique SAS"
BOULANGERIE_LEROY = "Boulangerie Leroy SARL"
CLAIRE_MARTIN = "Martin Claire"

DEMO_LOGINS = (
    DemoLogin(
        "direction", "intranet", "Direction (superutilisateur)", "Hélène", "Durand",
        "direction@durand-courtage.fr", group="Direction", is_superuser=True,
    ),
    DemoLogin(
        "gestionnaire", "intranet", "Gestionnaire", "Julien", "Moreau",
        "julien.moreau@durand-courtage.fr", group="Gestionnaires",
    ),
    DemoLogin(
        "assistante", "intranet", "Assistante de gestion", "Sophie", "Bernard",
        "sophie.bernard@durand-courtage.fr", group="Gestionnaires",
    ),
    DemoLogin(
        "contact@transports-dupont.fr", "extranet", "Compte de groupe", "Marc", "Dupont",
        "contact@transports-dupont.fr", clients=(TRANSPORTS_DUPONT, DUPONT_LOGISTIQUE),
    ),
    DemoLogin(
        "rh@boulangerie-leroy.fr", "extranet", "Client entreprise", "Nathalie", "Leroy",
        "rh@boulangerie-leroy.fr", clients=(BOULANGERIE_LEROY,),
    ),
    DemoLogin(
        "claire.martin@example.fr", "extranet", "Particulier", "Claire", "Martin",
        "claire.martin@example.fr", clients=(CLAIRE_MARTIN,),
    ),
)  # fmt: skip

# Permissions as "app_label.codename" patterns, so models added later are covered too.
# Gestionnaires get no right on auth users: changing a user in the admin lets one make
# anybody staff or superuser.
GROUP_PERMISSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Direction": (
        ("products.*", "contracts.*", "documents.*", "tasks.*", "auth.*_user", "auth.*_group"),
        (),
    ),
    "Gestionnaires": (
        (
            "contracts.view_*", "contracts.add_*", "contracts.change_*",
            "contracts.delete_guarantee", "contracts.delete_beneficiary",
            "contracts.delete_quittance", "contracts.delete_payment",
            "contracts.delete_extranetaccess",
            "products.view_*",
            "documents.view_*", "documents.add_document", "documents.change_document",
            # The request pages stay read only: this right is « Relancer la génération ».
            "documents.change_attestationrequest",
            # « Attestations pour tous les bénéficiaires » on a contract's page.
            "documents.add_attestationbatch",
            "tasks.view_*", "tasks.change_task",
            "auth.view_user",
        ),
        ("contracts.add_cabinet", "contracts.change_cabinet"),
    ),
}  # fmt: skip

CABINET = {
    "nom": "Cabinet Durand Courtage",
    "orias": "12065432",
    "adresse": "27 rue de la République",
    "code_postal": "69002",
    "ville": "Lyon",
    "telephone": "04 78 42 17 30",
    "email": "contact@durand-courtage.fr",
}

PRODUCTS = {
    "Flotte automobile": BeneficiaryKind.VEHICULE,
    "Multirisque immeuble": BeneficiaryKind.IMMEUBLE,
    "RC Professionnelle": "",
    "Santé collective": BeneficiaryKind.PERSONNE,
}

# nom: (kind, adresse, code postal, ville, e-mail, SIREN, account manager)
CLIENTS = {
    TRANSPORTS_DUPONT: (
        Client.Kind.MORALE, "215 route de Vienne", "69008", "Lyon",
        "contact@transports-dupont.fr", "412587963", "gestionnaire",
    ),
    DUPONT_LOGISTIQUE: (
        Client.Kind.MORALE, "8 rue Jacquard", "69800", "Saint-Priest",
        "logistique@transports-dupont.fr", "489632174", "gestionnaire",
    ),
    BOULANGERIE_LEROY: (
        Client.Kind.MORALE, "3 place Carnot", "69002", "Lyon",
        "contact@boulangerie-leroy.fr", "523698741", "gestionnaire",
    ),
    CLAIRE_MARTIN: (
        Client.Kind.PHYSIQUE, "42 rue Duguesclin", "69006", "Lyon",
        "claire.martin@example.fr", "", "direction",
    ),
}  # fmt: skip


@dataclass
class QuittanceSpec:
    numero: str
    debut: date
    fin: date
    prime_ttc: str
    paid: str = ""  # amount paid ("" = nothing); one payment, a week before the period
    type: str = Quittance.Type.TERME
    status: str = Quittance.Status.EMISE
    mode: str = Payment.Mode.PRELEVEMENT


@dataclass
class ContractSpec:
    numero: str
    client: str
    product: str
    assureur: str
    date_effet: date
    echeance: str
    status: str = Contract.Status.EN_COURS
    date_resiliation: date | None = None
    motif_resiliation: str = ""
    guarantees: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    beneficiaries: list[dict] = field(default_factory=list)
    quittances: list[QuittanceSpec] = field(default_factory=list)


def quarter(today: date, offset: int = 0) -> tuple[date, date]:
    """The calendar quarter ``offset`` quarters from the one holding ``today``."""
    index = today.year * 4 + (today.month - 1) // 3 + offset
    start = date(index // 4, index % 4 * 3 + 1, 1)
    following = date((index + 1) // 4, (index + 1) % 4 * 3 + 1, 1)
    return start, following - DAY


def insurance_year(today: date, day_month: tuple[int, int], offset: int = 0) -> tuple[date, date]:
    """The yearly period starting on the échéance (day, month) that holds ``today``."""
    day, month = day_month
    year = today.year if (today.month, today.day) >= (month, day) else today.year - 1
    start = date(year + offset, month, day)
    return start, date(year + offset + 1, month, day) - DAY


def vehicle(plate: str, marque: str, modele: str, vin: str, entree: date, sortie=None) -> dict:
    return {
        "kind": BeneficiaryKind.VEHICULE, "immatriculation": plate, "marque": marque,
        "modele": modele, "vin": vin, "date_entree": entree, "date_sortie": sortie,
    }  # fmt: skip


def person(nom: str, prenom: str, naissance: date, entree: date, sortie=None) -> dict:
    return {
        "kind": BeneficiaryKind.PERSONNE, "nom": nom, "prenom": prenom,
        "date_naissance": naissance, "date_entree": entree, "date_sortie": sortie,
    }  # fmt: skip


def building(adresse: str, cp: str, ville: str, nature: str, entree: date) -> dict:
    return {
        "kind": BeneficiaryKind.IMMEUBLE, "adresse": adresse, "code_postal": cp,
        "ville": ville, "nature": nature, "date_entree": entree,
    }  # fmt: skip


def demo_contracts(today: date) -> list[ContractSpec]:
    """Every demo contract, its dates computed from ``today``."""
    q_prev, q_now, q_next = quarter(today, -1), quarter(today), quarter(today, 1)
    q_prev2 = quarter(today, -2)
    year_now, year_prev = insurance_year(today, (1, 1)), insurance_year(today, (1, 1), -1)
    rc_now, rc_prev = insurance_year(today, (1, 3)), insurance_year(today, (1, 3), -1)
    fleet_start = date(today.year - 2, 1, 1)
    # Joined after this quarter's terme was issued: billed by a comptant regularisation.
    new_van = q_now[0]
    resiliation = q_prev[0]
    return [
        # In force, paid: a terme and a comptant regularisation (the new van), both paid.
        ContractSpec(
            "FL-24-0001", TRANSPORTS_DUPONT, "Flotte automobile", "AXA France IARD",
            fleet_start, "01/01",
            guarantees=[
                ("Responsabilité civile – dommages corporels", None, None),
                ("Responsabilité civile – dommages matériels", "100000000", None),
                ("Dommages tous accidents", None, "750"),
                ("Vol et incendie", None, "500"),
                ("Bris de glace", None, "150"),
                ("Marchandises transportées", "50000", "300"),
                ("Assistance 0 km", None, None),
            ],
            beneficiaries=[
                vehicle("GE-481-KT", "Renault", "Master", "VF1MA000064123457", fleet_start),
                vehicle("GF-127-PL", "Iveco", "Daily", "ZCFC135B005218764", fleet_start),
                vehicle("FW-903-RN", "Peugeot", "Expert", "VF3VBAHXKHZ041236", fleet_start),
                vehicle("HB-615-ZD", "Renault", "Trafic", "VF1FL000968512340", new_van),
                vehicle("DM-220-XA", "Citroën", "Jumper", "VF7YCBMFC12K45678", fleet_start,
                        sortie=q_prev[0] + 20 * DAY),
            ],
            quittances=[
                QuittanceSpec("FL-24-0001-T1", *q_prev, "4312.80", paid="4312.80"),
                QuittanceSpec("FL-24-0001-T2", *q_now, "4312.80", paid="4312.80"),
                QuittanceSpec("FL-24-0001-C1", new_van, q_now[1], "412.35", paid="412.35",
                              type=Quittance.Type.COMPTANT, mode=Payment.Mode.VIREMENT),
            ],
        ),
        # The sister company: property in force and paid, two buildings.
        ContractSpec(
            "MRI-23-0107", DUPONT_LOGISTIQUE, "Multirisque immeuble", "Allianz IARD",
            date(today.year - 3, 1, 1), "01/01",
            guarantees=[
                ("Incendie et événements assimilés", "4500000", "1000"),
                ("Dégâts des eaux", "300000", "500"),
                ("Tempête, grêle et neige", "4500000", "1000"),
                ("Responsabilité civile propriétaire", "10000000", None),
                ("Bris de glace", "15000", "150"),
            ],
            beneficiaries=[
                building("8 rue Jacquard", "69800", "Saint-Priest", "Entrepôt logistique",
                         date(today.year - 3, 1, 1)),
                building("17 rue Garibaldi", "69006", "Lyon", "Immeuble de bureaux",
                         date(today.year - 1, 6, 1)),
            ],
            quittances=[
                QuittanceSpec("MRI-23-0107-A1", *year_prev, "9876.40", paid="9876.40"),
                QuittanceSpec("MRI-23-0107-A2", *year_now, "10214.75", paid="10214.75"),
            ],
        ),
        # Suspended for non-payment: the quarter is unpaid.
        ContractSpec(
            "FL-25-0042", DUPONT_LOGISTIQUE, "Flotte automobile", "Generali IARD",
            date(today.year - 1, 4, 1), "01/04", status=Contract.Status.SUSPENDU,
            guarantees=[
                ("Responsabilité civile", None, None),
                ("Dommages tous accidents", None, "1000"),
            ],
            beneficiaries=[
                vehicle("FZ-734-BE", "Mercedes-Benz", "Sprinter", "WDB9066331S987654",
                        date(today.year - 1, 4, 1)),
                vehicle("GH-058-MC", "Ford", "Transit", "WF0XXXTTGXLB12345",
                        date(today.year - 1, 4, 1)),
            ],
            quittances=[
                QuittanceSpec("FL-25-0042-T1", *q_prev, "2150.60", paid="2150.60"),
                QuittanceSpec("FL-25-0042-T2", *q_now, "2150.60"),
            ],
        ),
        # Not yet invoiced for today: the last quittance ended with the previous quarter.
        ContractSpec(
            "SC-24-0311", BOULANGERIE_LEROY, "Santé collective", "Generali Vie",
            date(today.year - 2, 1, 1), "01/01",
            guarantees=[
                ("Hospitalisation – frais de séjour", None, None),
                ("Consultations et soins courants", None, None),
                ("Optique – équipement", "400", None),
                ("Dentaire – prothèses", "1200", None),
            ],
            beneficiaries=[
                person("Leroy", "Nathalie", date(1976, 4, 9), date(today.year - 2, 1, 1)),
                person("Petit", "Thomas", date(1991, 11, 23), date(today.year - 2, 1, 1)),
                person("Garcia", "Inès", date(1998, 2, 17), date(today.year - 1, 9, 1)),
                person("Roux", "Mathieu", date(1987, 7, 30), date(today.year - 2, 1, 1)),
                person("Fournier", "Léa", date(2001, 5, 5), date(today.year - 2, 1, 1),
                       sortie=q_prev2[1]),
            ],
            quittances=[
                QuittanceSpec("SC-24-0311-T1", *q_prev2, "1386.00", paid="1386.00"),
                QuittanceSpec("SC-24-0311-T2", *q_prev, "1108.80", paid="1108.80"),
            ],
        ),
        # In force, today's quittance partly paid.
        ContractSpec(
            "FL-25-0077", BOULANGERIE_LEROY, "Flotte automobile", "MMA IARD",
            date(today.year - 1, 7, 1), "01/07",
            guarantees=[
                ("Responsabilité civile", None, None),
                ("Dommages tous accidents", None, "500"),
                ("Bris de glace", None, "100"),
            ],
            beneficiaries=[
                vehicle("GK-312-LR", "Renault", "Kangoo", "VF1KW0000A1234567",
                        date(today.year - 1, 7, 1)),
                vehicle("GL-879-LR", "Citroën", "Berlingo", "VR7EFYHZRLJ765432",
                        date(today.year - 1, 7, 1)),
            ],
            quittances=[
                QuittanceSpec("FL-25-0077-T1", *q_prev, "1845.60", paid="1845.60"),
                QuittanceSpec("FL-25-0077-T2", *q_now, "1845.60", paid="900.00",
                              mode=Payment.Mode.CHEQUE),
            ],
        ),
        # Résilié at the start of the previous quarter.
        ContractSpec(
            "MRI-21-0056", BOULANGERIE_LEROY, "Multirisque immeuble", "AXA France IARD",
            date(today.year - 5, 1, 1), "01/01", status=Contract.Status.RESILIE,
            date_resiliation=resiliation,
            motif_resiliation="Vente du local commercial (résiliation à la demande de l'assuré)",
            guarantees=[("Incendie et événements assimilés", "850000", "500")],
            beneficiaries=[
                building("18 rue Victor Hugo", "69002", "Lyon", "Local commercial",
                         date(today.year - 5, 1, 1)),
            ],
            quittances=[
                QuittanceSpec("MRI-21-0056-A1", resiliation - 365 * DAY, resiliation - DAY,
                              "2430.00", paid="2430.00"),
            ],
        ),
        # A private person's professional liability, in force and paid (échéance 1 March).
        ContractSpec(
            "RCP-24-0189", CLAIRE_MARTIN, "RC Professionnelle", "Hiscox",
            rc_prev[0], "01/03",
            guarantees=[
                ("Responsabilité civile professionnelle", "1000000", "500"),
                ("Responsabilité civile exploitation", "2000000", "300"),
                ("Protection juridique", "20000", None),
            ],
            quittances=[
                QuittanceSpec("RCP-24-0189-A1", *rc_prev, "684.00", paid="684.00",
                              mode=Payment.Mode.CARTE),
                QuittanceSpec("RCP-24-0189-A2", *rc_now, "712.50", paid="712.50",
                              mode=Payment.Mode.CARTE),
            ],
        ),
        # A quote, with its premium "pour information".
        ContractSpec(
            "RCP-26-0004", TRANSPORTS_DUPONT, "RC Professionnelle", "AXA France IARD",
            q_next[0], "01/01", status=Contract.Status.DEVIS,
            guarantees=[("Responsabilité civile du transporteur", "750000", "1500")],
            quittances=[
                QuittanceSpec("RCP-26-0004-P1", *q_next, "1530.00",
                              status=Quittance.Status.POUR_INFORMATION),
            ],
        ),
        # Void: signed, then never took effect; its quittance was cancelled.
        ContractSpec(
            "MRI-25-0093", CLAIRE_MARTIN, "Multirisque immeuble", "MMA IARD",
            year_now[0], "01/01", status=Contract.Status.SANS_EFFET,
            beneficiaries=[
                building("5 rue Sala", "69002", "Lyon", "Appartement donné en location",
                         year_now[0]),
            ],
            quittances=[
                QuittanceSpec("MRI-25-0093-A1", *year_now, "318.20",
                              status=Quittance.Status.ANNULEE),
            ],
        ),
    ]  # fmt: skip
