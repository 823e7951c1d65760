from .models import Cabinet


def cabinet_get() -> Cabinet:
    """The cabinet's details (one row, created empty on first use)."""
    cabinet, _created = Cabinet.objects.get_or_create(pk=1, defaults={"nom": "Cabinet"})
    return cabinet
