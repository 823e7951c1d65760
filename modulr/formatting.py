"""French formatting of values, one place for screens and Word models alike."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"  # between the amount and "€"
NNBSP = "\u202f"  # thousands separator (narrow no-break space, as French typography wants)


def format_date(value: datetime.date | None) -> str:
    """28/11/2026; '' for no date."""
    if value is None:
        return ""
    return f"{value:%d/%m/%Y}"


def format_amount(value: Decimal | int | float | None, *, currency: bool = True) -> str:
    """1 500 000,00 € ; '' for no amount."""
    if value is None:
        return ""
    quantized = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    units, cents = f"{abs(quantized):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    text = f"{sign}{NNBSP.join(groups)},{cents}"
    return f"{text}{NBSP}€" if currency else text


def user_display_name(user) -> str:
    """How a person is named on a page or in an e-mail: « Alice Martin », else the e-mail
    address, else the username (an account with neither name nor address)."""
    return user.get_full_name() or user.email or user.get_username()
