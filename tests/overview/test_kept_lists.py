"""Staff lists kept rendered (#17): `{% figures_cache "…" viewer … %}` keeps a list's count, rows and pages per
viewer and query until a write. Each list read twice answers the second time with fewer queries, shows a row
written since at the next read, and is never shown to a viewer with another scope (town, roles, unit), whose key
changes at once even though roles and towns are not counted tables.

These tests commit their writes (transactional_db), as a running portal does: the data version moves on at the
commit (consult_portal/cache_versions.py).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consult_portal import cache_versions
from consult_portal.models import Role
from members.models import PerformanceWeights
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory

pytestmark = pytest.mark.usefixtures("transactional_db")


def _get(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


@dataclass
class Kept:
    url: str
    login: str  # the fixture of the user who reads it
    write: Callable  # (fixtures) -> None: a row the list must show afterwards
    shown: str  # what that row shows


def _item(text: str):
    """A write: an outcome item of a meeting in town A, handed to the unit."""
    return lambda f: OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=f["town_a"])), unit=f["unit"], text=text
    )


LISTS = {
    "topics": Kept(
        "/staff/topics/", "office", lambda f: TopicFactory(town=f["town_a"], title="新来的议题"), "新来的议题"
    ),
    "meetings": Kept(
        "/staff/meetings/",
        "office",
        lambda f: MeetingFactory(platform=PlatformFactory(area=f["town_a"]), title="新排的协商会"),
        "新排的协商会",
    ),
    "platforms": Kept(
        "/staff/platforms/", "office", lambda f: PlatformFactory(area=f["town_a"], name="新建的协商室"), "新建的协商室"
    ),
    "outcomes": Kept("/staff/outcomes/", "office", _item("新交办的事项"), "新交办的事项"),
    "members": Kept("/staff/members/", "office", lambda f: MemberFactory(name="新来的委员"), "新来的委员"),
    "member coverage": Kept(
        "/staff/members/coverage/", "office", lambda f: MemberFactory(name="未下沉的委员"), "未下沉的委员"
    ),
    "coverage": Kept(
        "/staff/coverage/", "office", lambda f: PlatformFactory(area=f["town_a"], level="town"), 'data-platforms="2"'
    ),
    "unit items": Kept("/unit/items/", "unit_user", _item("交给本单位的事项"), "交给本单位的事项"),
    "workspace": Kept(
        "/members/me/",
        "member_user",
        lambda f: TopicFactory(
            town=f["town_a"], source="member", recommended_by=f["member_user"].member, title="委员荐的议题"
        ),
        "委员荐的议题",
    ),
}


@pytest.fixture
def fixtures(office, unit_user, member_user, town_a, unit):
    PlatformFactory(area=town_a, level="town")
    PerformanceWeights.current()  # saved at the first read otherwise: a counted write of its own
    return {"office": office, "unit_user": unit_user, "member_user": member_user, "town_a": town_a, "unit": unit}


@pytest.mark.parametrize("name", LISTS)
def test_a_kept_list_shows_a_row_written_since(client, fixtures, name):
    kept = LISTS[name]
    client.force_login(fixtures[kept.login])
    first, queries = _get(client, kept.url)
    again, fewer = _get(client, kept.url)
    assert fewer < queries, f"{kept.url}: the second read made {fewer} queries, the first {queries}"
    assert again.count("<tr") == first.count("<tr") and kept.shown not in again
    kept.write(fixtures)
    after, _queries = _get(client, kept.url)
    assert kept.shown in after


def _titles(html: str) -> set[str]:
    return set(re.findall(r">(甲镇的议题|乙镇的议题)<", html))


def test_each_towns_liaison_sees_their_own_rows_at_the_same_address(town_a, town_b, liaison_a, liaison_b):
    TopicFactory(town=town_a, title="甲镇的议题")
    TopicFactory(town=town_b, title="乙镇的议题")
    a, b = Client(), Client()
    a.force_login(liaison_a)
    b.force_login(liaison_b)
    for _ in range(2):  # the second round from what each kept
        assert _titles(_get(a, "/staff/topics/")[0]) == {"甲镇的议题"}
        assert _titles(_get(b, "/staff/topics/")[0]) == {"乙镇的议题"}


def test_a_liaison_moved_to_another_town_sees_it_at_once(client, town_a, town_b, liaison_a):
    TopicFactory(town=town_a, title="甲镇的议题")
    TopicFactory(town=town_b, title="乙镇的议题")
    client.force_login(liaison_a)
    _get(client, "/staff/topics/")
    version = cache_versions.version()
    type(liaison_a).objects.filter(pk=liaison_a.pk).update(town=town_b)  # a login's town is not a counted table
    assert cache_versions.version() == version
    assert _titles(_get(client, "/staff/topics/")[0]) == {"乙镇的议题"}


def test_a_liaison_given_the_office_role_sees_the_whole_county_at_once(client, town_a, town_b, liaison_a):
    TopicFactory(town=town_a, title="甲镇的议题")
    TopicFactory(town=town_b, title="乙镇的议题")
    client.force_login(liaison_a)
    assert _titles(_get(client, "/staff/topics/")[0]) == {"甲镇的议题"}
    liaison_a.groups.add(Group.objects.get_or_create(name=Role.OFFICE)[0])
    assert _titles(_get(client, "/staff/topics/")[0]) == {"甲镇的议题", "乙镇的议题"}


def test_the_kept_members_list_leaves_each_browser_its_own_form_token(office, town_a):
    member = MemberFactory(name="王委员")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(office)
    tokens = []
    for browser in (first, second):  # the second page's rows come from what the first kept
        html = _get(browser, "/staff/members/")[0]
        form = html[html.index('id="bulk-assign"') :]
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1))
    data = {
        "bulk-members": [member.pk],
        "bulk-area": town_a.pk,
        "bulk-role": "contact",
        "bulk-starts_on": timezone.localdate().isoformat(),
        "csrfmiddlewaretoken": tokens[1],
    }
    response = second.post("/staff/members/assign/", data)
    assert response.status_code == 302, response.status_code  # not 403: the token is this browser's own
    assert member.assignments.filter(area=town_a).exists()


def test_the_workspace_reads_its_invitations_at_each_request(client, member_user, town_a):
    """The invitations say what the member may do now (answer, check in): never kept rendered."""
    client.force_login(member_user)
    for _ in range(2):  # the first read also saves the performance weights' row: a counted write
        html, queries = _get(client, "/members/me/")
    assert 'aria-labelledby="my-invitations"' in html
    with CaptureQueriesContext(connection) as again:
        client.get("/members/me/")
    assert any("consultations_participant" in q["sql"] for q in again.captured_queries)
    assert not any("topics_topic" in q["sql"] for q in again.captured_queries)  # the rest is kept


def test_a_new_release_reads_nothing_an_older_one_kept(settings, tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "list.html"
    page.write_text("<p>{{ rows }}</p>")
    settings.BASE_DIR = tmp_path
    cache_versions.release.cache_clear()
    try:
        before = cache_versions.release()
        assert f":{before}:" in cache_versions.key("topic-list", "viewer")
        page.write_text("<p>{{ rows|length }}</p>")
        cache_versions.release.cache_clear()
        assert cache_versions.release() != before
    finally:
        cache_versions.release.cache_clear()
