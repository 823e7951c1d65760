from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from .models import Cabinet, Payment, Quittance


def cabinet_get() -> Cabinet:
    """The cabinet's details (one row, created empty on first use)."""
    cabinet, _created = Cabinet.objects.get_or_create(pk=1, defaults={"nom": "Cabinet"})
    return cabinet


def quittance_annotate_balance(queryset: QuerySet[Quittance]) -> QuerySet[Quittance]:
    """Adds ``montant_regle`` (sum of payments) and ``restant_du`` (TTC minus payments).

    "Entièrement soldée" is always derived from these, never typed by hand. A
    subquery (not a join + GROUP BY) keeps other annotations and filters intact.
    """
    money = DecimalField(max_digits=14, decimal_places=2)
    paid = (
        Payment.objects.filter(quittance=OuterRef("pk"))
        .order_by()
        .values("quittance")
        .annotate(total=Sum("montant"))
        .values("total")
    )
    return queryset.annotate(
        montant_regle=Coalesce(Subquery(paid, output_field=money), Value(Decimal("0.00"))),
    ).annotate(
        restant_du=ExpressionWrapper(F("prime_ttc") - F("montant_regle"), output_field=money)
    )
