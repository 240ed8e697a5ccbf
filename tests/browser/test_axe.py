"""axe-core (WCAG 2.1 A and AA) finds no serious or critical violation on any page of the demo county (#18): every
public page, and two pages of each area behind a login (back office, member, unit), found by following links as each
persona (see tests/pages.py), on a phone's screen."""

from pathlib import Path

import pytest

from tests.pages import PERSONAS, persona_client, seed_demo_county, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
AXE_VERSION = "4.14.1"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# One page of each staff area at least, and the member's and the unit's own pages.
STAFF_AREAS = {
    "topics:staff-list",
    "sessions:staff-meetings",
    "sessions:platforms",
    "members:list",
    "outcomes:staff-list",
    "dashboard",
    "assessment",
    "audit",
    "outcomes:unit-list",
    "workspace",
}
PUBLIC = {"home", "topics:suggest", "topics:track", "sessions:meetings", "outcomes:list", "public-stats", "login"}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
    `${v.impact} ${v.id} (${v.help}): ` + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; "));
}"""


def _area(url: str) -> str:
    """/staff/topics/12/ is in the area /staff/topics; /members/me/meetings/3/ in /members/me."""
    return "/".join(url.split("?")[0].split("/")[:3])


def _pages_by_persona():
    """Every public view once; behind a login, two views of each area (its list and one more, such as a detail
    with its forms), each seen by the first persona (in PERSONAS' order) that reaches it."""
    chosen, seen_views, per_area = {}, set(), {}
    for name, starts in PERSONAS.items():
        client = persona_client(name)
        mine = []
        for page in walk(client, starts, per_view=2):
            area = _area(page.url)
            public = not name and not area.startswith("/staff")
            if page.view_name in seen_views or (not public and per_area.get(area, 0) >= 2):
                continue
            seen_views.add(page.view_name)
            per_area[area] = per_area.get(area, 0) + 1
            mine.append(page)
        chosen[name] = (client, mine)
    return chosen


def test_axe_finds_no_serious_or_critical_violation_on_any_page(browser, live_server):
    source = AXE.read_text(encoding="utf-8")
    assert f"axe v{AXE_VERSION}" in source[:100]
    seed_demo_county()
    walked = _pages_by_persona()
    views = {page.view_name for _client, pages in walked.values() for page in pages}
    assert {page.view_name for page in walked[""][1]} >= PUBLIC
    assert views >= STAFF_AREAS, STAFF_AREAS - views

    violations, checked = [], 0
    for name, (client, pages) in walked.items():
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
        )
        if name:
            cookie = client.cookies["sessionid"]
            context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        for walked_page in pages:
            page.goto(walked_page.url, wait_until="load")
            # Evaluated through the browser's debugging protocol, which the page's script-src policy leaves alone.
            page.evaluate(source)
            found = page.evaluate(RUN_AXE, TAGS)
            violations += [f"{name or 'resident'} {walked_page.url}: {v}" for v in found]
            checked += 1
        context.close()
    assert checked >= 30
    assert violations == [], "\n".join(violations)
