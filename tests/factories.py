import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from contracts.models import (
    Beneficiary,
    Client,
    Contract,
    ExtranetAccess,
    Guarantee,
    Payment,
    Quittance,
)
from products.models import BeneficiaryKind, Product
from tasks.models import Task, TaskTemplate, TaskType, Trigger


def today() -> datetime.date:
    return timezone.localdate()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.fr")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password("motdepasse-solide-42")


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"gestionnaire{n}")
    email = factory.Sequence(lambda n: f"gestionnaire{n}@cabinet.fr")
    is_staff = True
    is_superuser = True


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Produit {n}")
    beneficiary_kind = BeneficiaryKind.VEHICULE


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    nom = factory.Sequence(lambda n: f"Client {n} SAS")
    adresse = "12 rue de la Paix"
    code_postal = "75002"
    ville = "Paris"
    email = factory.Sequence(lambda n: f"contact{n}@client.fr")
    siren = "552100554"
    account_manager = factory.SubFactory(StaffFactory)


class ExtranetAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtranetAccess

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    numero = factory.Sequence(lambda n: f"CT-{n:06d}")
    client = factory.SubFactory(ClientFactory)
    product = factory.SubFactory(ProductFactory)
    assureur = "AXA France IARD"
    date_effet = factory.LazyFunction(lambda: today() - datetime.timedelta(days=200))
    echeance_principale = "01/01"
    status = Contract.Status.EN_COURS


class GuaranteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guarantee

    contract = factory.SubFactory(ContractFactory)
    nom = "Responsabilité civile"
    plafond = Decimal("1500000.00")
    franchise = Decimal("500.00")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    contract = factory.SubFactory(ContractFactory)
    kind = BeneficiaryKind.VEHICULE
    immatriculation = factory.Sequence(lambda n: f"AB-{n % 1000:03d}-CD")
    marque = "Renault"
    modele = "Clio"
    vin = "VF1RJA00012345678"
    date_entree = factory.LazyFunction(lambda: today() - datetime.timedelta(days=100))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    contract = factory.SubFactory(ContractFactory)
    kind = BeneficiaryKind.PERSONNE
    nom = "Martin"
    prenom = "Claire"
    date_naissance = datetime.date(1985, 3, 14)
    date_entree = factory.LazyFunction(lambda: today() - datetime.timedelta(days=100))


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    contract = factory.SubFactory(ContractFactory)
    kind = BeneficiaryKind.IMMEUBLE
    adresse = "8 place Bellecour"
    code_postal = "69002"
    ville = "Lyon"
    nature = "Immeuble de bureaux"
    date_entree = factory.LazyFunction(lambda: today() - datetime.timedelta(days=100))


class QuittanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quittance

    numero = factory.Sequence(lambda n: f"Q-{n:07d}")
    contract = factory.SubFactory(ContractFactory)
    periode_debut = factory.LazyFunction(lambda: today() - datetime.timedelta(days=30))
    periode_fin = factory.LazyFunction(lambda: today() + datetime.timedelta(days=60))
    type = Quittance.Type.TERME
    prime_ht = Decimal("1000.00")
    prime_ttc = Decimal("1200.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    quittance = factory.SubFactory(QuittanceFactory)
    date = factory.LazyFunction(today)
    montant = factory.LazyAttribute(lambda o: o.quittance.prime_ttc)


def paid_quittance(contract, **kwargs) -> Quittance:
    """A quittance covering today, entirely paid."""
    quittance = QuittanceFactory(contract=contract, **kwargs)
    PaymentFactory(quittance=quittance)
    return quittance


def _set_m2m(field_name: str):
    """A post-generation hook setting a many-to-many from a list: ``recipient_users=[bob]``."""

    def hook(obj, create, extracted, **kwargs):
        if create and extracted:
            getattr(obj, field_name).set(extracted)

    return factory.PostGeneration(hook)


class TaskTemplateFactory(factory.django.DjangoModelFactory):
    """The page's own setting: a « Validation (action extranet) » on attestation requests."""

    class Meta:
        model = TaskTemplate
        skip_postgeneration_save = True

    subject = "Valider la demande d'attestation"
    type = TaskType.VALIDATION_EXTRANET
    trigger = Trigger.EXTRANET_ATTESTATION_REQUEST
    due_in_days = 2
    recipient_account_manager = True
    recipient_users = _set_m2m("recipient_users")
    recipient_groups = _set_m2m("recipient_groups")
    products = _set_m2m("products")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task
        skip_postgeneration_save = True

    subject = factory.Sequence(lambda n: f"Tâche {n}")
    type = TaskType.ACTION
    due_date = factory.LazyFunction(lambda: today() + datetime.timedelta(days=2))
    client = factory.SubFactory(ClientFactory)
    recipient_users = _set_m2m("recipient_users")
    recipient_groups = _set_m2m("recipient_groups")
