"""The office's list of unusual survey answers: bursts that look like one person answering many times.

Three patterns, over the answers of the last `days` days (one query):
- many answers from one address in a short time (ANOMALY_ADDRESS answers within an hour; a village's shared Wi-Fi
  can do that honestly, so the list shows how many were verified);
- many answers to one result from one browser in a short time (ANOMALY_BROWSER within an hour: one browser typing
  several phones; a resident rating several results from their phone is not one);
- answers minutes apart with the same comment (ANOMALY_COMMENT within ANOMALY_COMMENT_MINUTES).
The addresses are kept only as a keyed hash (`services_survey.address_key`): the list names a network, not an IP.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SatisfactionResponse

ANOMALY_ADDRESS = 10
ANOMALY_BROWSER = 3
ANOMALY_COMMENT = 2
ANOMALY_COMMENT_MINUTES = 10
HOUR = timedelta(hours=1)
KINDS = {
    "address": _("Many answers from one network"),
    "browser": _("Many answers to one result from one browser"),
    "comment": _("The same comment minutes apart"),
}


@dataclass
class Burst:
    kind: str
    key: str
    answers: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def count(self) -> int:
        return len(self.answers)

    @property
    def verified(self) -> int:
        return sum(1 for a in self.answers if a["verified"])

    @property
    def first(self) -> datetime:
        return self.answers[0]["created_at"]

    @property
    def last(self) -> datetime:
        return self.answers[-1]["created_at"]

    @property
    def items(self) -> list[tuple[int, str]]:
        seen = {}
        for a in self.answers:
            seen.setdefault(a["item_id"], a["item__text"][:40])
        return list(seen.items())

    @property
    def comment(self) -> str:
        return self.answers[0]["comment"][:80] if self.kind == "comment" else ""


def _bursts(rows: list[dict], window: timedelta, minimum: int) -> list[list[dict]]:
    """Non-overlapping runs of at least `minimum` rows (sorted by time) that fit in `window`."""
    found, i = [], 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1]["created_at"] - rows[i]["created_at"] <= window:
            j += 1
        if j - i + 1 >= minimum:
            found.append(rows[i : j + 1])
            i = j + 1
        else:
            i += 1
    return found


def _grouped(rows: list[dict], key) -> dict:
    groups: dict = {}
    for row in rows:
        k = key(row)
        if k:
            groups.setdefault(k, []).append(row)
    return groups


def unusual_answers(*, days: int = 30, now=None) -> list[Burst]:
    """The bursts of the last `days` days, the largest first."""
    since = (now or timezone.now()) - timedelta(days=days)
    rows = list(
        SatisfactionResponse.objects.filter(created_at__gte=since)
        .order_by("created_at", "pk")
        .values("pk", "item_id", "item__text", "address_key", "browser_token", "comment", "created_at", "verified")
    )
    found = []
    patterns = (
        ("address", lambda r: r["address_key"], HOUR, ANOMALY_ADDRESS),
        ("browser", lambda r: r["browser_token"] and (r["browser_token"], r["item_id"]), HOUR, ANOMALY_BROWSER),
        (
            "comment",
            lambda r: " ".join(r["comment"].split()).lower(),
            timedelta(minutes=ANOMALY_COMMENT_MINUTES),
            ANOMALY_COMMENT,
        ),
    )
    for kind, key, window, minimum in patterns:
        for k, group in _grouped(rows, key).items():
            shown = {"address": k, "browser": k[0] if isinstance(k, tuple) else k, "comment": ""}[kind][:6]
            found += [Burst(kind, shown, run) for run in _bursts(group, window, minimum)]
    return sorted(found, key=lambda b: (-b.count, b.first))
