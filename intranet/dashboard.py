"""« Tableau de bord » on the intranet's home page: requests per day by outcome (a stacked
bar chart drawn here as SVG, no JavaScript), validations waiting, failures to look at,
generation times. The figures come from ``documents.attestations.stats``; this module only
lays them out. Shown to staff who may view attestation requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from documents.attestations.stats import (
    DayCounts,
    attestation_generation_times,
    attestation_request_technical_error,
    attestation_requests_failed,
    attestation_requests_per_day,
    attestation_requests_status_counts,
    attestation_validations_pending,
)
from documents.models import AttestationRequest

DASHBOARD_PERMISSION = "documents.view_attestationrequest"
CHART_DAYS = 30
TIMES_DAYS = 7
LISTED = 10  # validations and failures listed; the total is given beside

# The stacked series, bottom to top: DayCounts field, legend, colour (contrasted on white).
SERIES = (
    ("shared_at_once", _("Partagées d'emblée"), "#2e7d32"),
    ("validated", _("Validées"), "#1565c0"),
    ("refused", _("Refusées"), "#b45309"),
    ("failed", _("En échec"), "#b91c1c"),
)

# Geometry of the chart, in SVG user units.
BAR_WIDTH, BAR_GAP = 14, 6
PLOT_HEIGHT, TOP, LEFT, BOTTOM = 150, 10, 32, 24


@dataclass(frozen=True)
class Segment:
    label: str
    colour: str
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    day: DayCounts
    x: int
    segments: list[Segment]
    label_x: float
    show_label: bool  # one date in seven under the axis, and the last day


def _bars(days: list[DayCounts]) -> tuple[list[Bar], int]:
    top = max([day.total for day in days] + [1])
    bars = []
    for index, day in enumerate(days):
        x = LEFT + index * (BAR_WIDTH + BAR_GAP)
        base, segments = TOP + PLOT_HEIGHT, []
        for field, label, colour in SERIES:
            count = getattr(day, field)
            if count:
                height = count / top * PLOT_HEIGHT
                base -= height
                segments.append(
                    Segment(str(label), colour, count, round(base, 2), round(height, 2))
                )
        last = index == len(days) - 1
        bars.append(Bar(day, x, segments, x + BAR_WIDTH / 2, index % 7 == 0 or last))
    return bars, top


def _chart(days: list[DayCounts]) -> dict:
    bars, top = _bars(days)
    width = LEFT + len(days) * (BAR_WIDTH + BAR_GAP)
    return {
        "bars": bars,
        "top": top,
        "width": width,
        "height": TOP + PLOT_HEIGHT + BOTTOM,
        "axis_y": TOP + PLOT_HEIGHT,
        "axis_x": LEFT - 4,
        "label_y": TOP + PLOT_HEIGHT + 16,
        "top_y": TOP + 4,
        "series": [{"label": label, "colour": colour} for _field, label, colour in SERIES],
    }


def dashboard_context(request) -> dict:
    """The home page's « Tableau de bord », or nothing for staff who may not see requests.

    Six queries whatever the volume: counts by status, requests per day, the validations
    and the failures listed, generation times (and the permission check's, cached).
    """
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        return {}
    counts = attestation_requests_status_counts()
    failures = list(attestation_requests_failed()[:LISTED])
    return {
        "dashboard": {
            "chart": _chart(attestation_requests_per_day(days=CHART_DAYS)),
            "pending": list(attestation_validations_pending()[:LISTED]),
            "pending_count": counts[AttestationRequest.Status.AWAITING_VALIDATION],
            "failures": [(r, attestation_request_technical_error(r)) for r in failures],
            "failed_count": counts[AttestationRequest.Status.FAILED],
            "times": attestation_generation_times(days=TIMES_DAYS),
        }
    }
