"""The office's list of unusual survey answers (outcomes/anomalies.py)."""

from django.shortcuts import render

from consult_portal.access import capability_required

from ..anomalies import ANOMALY_ADDRESS, ANOMALY_BROWSER, ANOMALY_COMMENT, ANOMALY_COMMENT_MINUTES, unusual_answers

DAYS = 30


@capability_required("outcomes.anomalies")
def anomaly_list(request):
    return render(
        request,
        "outcomes/staff/anomalies.html",
        {
            "bursts": unusual_answers(days=DAYS)[:200],
            "days": DAYS,
            "address_minimum": ANOMALY_ADDRESS,
            "browser_minimum": ANOMALY_BROWSER,
            "comment_minimum": ANOMALY_COMMENT,
            "comment_minutes": ANOMALY_COMMENT_MINUTES,
        },
    )
