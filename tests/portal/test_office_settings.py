"""The office's settings page (/staff/settings/, consult_portal/office_views.py) and everything that reads the
settings through consult_portal.office: pages, Word documents, the member import, links, reminders, the target of
coverage, dashboard and assessment, retention, and the contact phone of the refusal and error pages."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import lxml.html
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext, pgettext

from consult_portal import account_views, links, office, views
from consult_portal.models import AuditEntry, OfficeSettings
from consult_portal.privacy import retention_months
from members.imports import MemberImporter
from outcomes import reminders
from outcomes.services import outcome_hand_over
from sessions import ical
from tests.documents_helpers import export, opened, published_item
from tests.factories import SectorFactory, TopicFactory
from tests.overview.test_assessment import _rows as assessment_rows
from tests.overview.test_assessment import stations, town_c  # noqa: F401 - fixtures
from tests.overview.test_dashboard import YEAR, build_year

URL = "/staff/settings/"
BLANK = dict.fromkeys(office.FIELDS, "")
SHAWAN = {
    "office_name": "沙湾区政协办公室",
    "masthead": "中国人民政治协商会议乐山市沙湾区委员会办公室",
    "county_name": "沙湾区",
    "county_word": "区",
    "county_level_word": "区级",
    "whole_county_word": "全区",
    "contact_phone": "0833-1234567",
    "meetings_per_town_target": "5",
    "outcome_reminder_days": "2，10",
    "base_url": "https://zx.shawan.gov.cn/",
    "retention_months": "36",
}


def save(client, **values):
    return client.post(URL, {**BLANK, **values})


@pytest.fixture
def shawan(client, office):
    """The office of 沙湾区 has saved its settings."""
    client.force_login(office)
    assert save(client, **SHAWAN).status_code == 302
    return office


def _text(response) -> str:
    return lxml.html.fromstring(response.content.decode()).text_content()


# -- who may change them -----------------------------------------------------------------------------------------


def test_it_refuses_liaison_staff_leaders_and_visitors(client, liaison_a, leader):
    for user in (liaison_a, leader):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert save(client, **SHAWAN).status_code == 403
    client.logout()
    response = save(client, **SHAWAN)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not OfficeSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="office_settings").exists()


def test_the_office_finds_the_page_in_the_back_office_menu(client, office, liaison_a):
    client.force_login(office)
    assert f'href="{URL}"' in client.get(reverse("staff-home")).content.decode()
    client.force_login(liaison_a)
    assert f'href="{URL}"' not in client.get(reverse("staff-home")).content.decode()


# -- saving, audited ---------------------------------------------------------------------------------------------


def test_saving_writes_one_audit_entry_with_the_values_before_and_after(client, shawan):
    row = OfficeSettings.objects.get()
    assert (row.pk, row.base_url, row.outcome_reminder_days, row.retention_months) == (
        1,
        "https://zx.shawan.gov.cn",
        "10,2",
        36,
    )
    first = AuditEntry.objects.get(action="office_settings")
    assert first.actor == shawan and first.after["county_word"] == "区" and first.after["meetings_per_town_target"] == 5

    response = save(client, **{**SHAWAN, "meetings_per_town_target": "6", "contact_phone": ""})
    assert response.status_code == 302 and response["Location"] == URL
    second = AuditEntry.objects.filter(action="office_settings").latest("id")
    assert (second.before["meetings_per_town_target"], second.after["meetings_per_town_target"]) == (5, 6)
    assert (second.before["contact_phone"], second.after["contact_phone"]) == ("0833-1234567", "")
    assert OfficeSettings.objects.count() == 1
    page = client.get(URL)
    assert page.context["form"]["meetings_per_town_target"].value() == 6


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("retention_months", "0"),
        ("base_url", "ftp://zx.shawan.gov.cn"),
        ("base_url", "zx.shawan.gov.cn"),
        ("base_url", "https://zx.shawan.gov.cn/portal/"),
        ("base_url", "https://"),
        ("meetings_per_town_target", "0"),
        ("outcome_reminder_days", "7,三,1"),
        ("outcome_reminder_days", "-3"),
        ("contact_phone", "call us"),
    ],
)
def test_it_refuses_a_bad_value_beside_its_field_keeping_what_was_typed(client, office, field, typed):
    client.force_login(office)
    response = save(client, **{**SHAWAN, field: typed})
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    page = lxml.html.fromstring(response.content.decode())
    (box,) = page.xpath(f"//input[@name='{field}']")
    assert box.get("value") == typed and "is-invalid" in box.get("class")
    assert page.xpath(f"//*[@id='error_1_id_{field}']")  # the message is shown beside the field
    assert not OfficeSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="office_settings").exists()


def test_the_retention_refusal_names_the_minimum(client, office):
    client.force_login(office)
    response = save(client, retention_months="0")
    with translation.override("zh-hans"):
        expected = ngettext(
            "At least %(min)d month: residents' personal data is never kept for less.",
            "At least %(min)d months: residents' personal data is never kept for less.",
            1,
        ) % {"min": 1}
    assert response.context["form"].errors["retention_months"] == [expected]


# -- what follows the settings -----------------------------------------------------------------------------------


def test_pages_and_documents_carry_the_office_name_and_the_masthead(client, shawan, meeting_a):
    home = client.get(reverse("home")).content.decode()
    assert "沙湾区政协办公室" in home and "县政协办公室" not in home.replace("沙湾区政协办公室", "")
    document = opened(client.get(reverse("sessions:notice-docx", args=[meeting_a.pk])))
    assert document.paragraphs[0].text == "中国人民政治协商会议乐山市沙湾区委员会办公室"
    assert document.core_properties.author == "沙湾区政协办公室"


def test_the_county_word_alone_names_the_office(client, office, meeting_a):
    client.force_login(office)
    save(client, county_word="区")
    with translation.override("zh-hans"):
        expected = gettext("%(county)s CPPCC Office") % {"county": "区"}
    document = opened(client.get(reverse("sessions:notice-docx", args=[meeting_a.pk])))
    assert document.paragraphs[0].text == expected
    save(client, county_word="区", county_name="沙湾区")
    document = opened(client.get(reverse("sessions:notice-docx", args=[meeting_a.pk])))
    with translation.override("zh-hans"):
        assert document.paragraphs[0].text == gettext("%(county)s CPPCC Office") % {"county": "沙湾区"}


def test_the_public_statistics_and_their_csv_use_the_countys_words(client, shawan, county, town_a, town_b, village_a):
    build_year(county, town_a, town_b, village_a)
    client.logout()
    response = client.get("/stats/", {"year": YEAR})
    page = lxml.html.fromstring(response.content.decode())
    assert page.get_element_by_id("county-title").text_content().strip() == "全区"
    rows = [[cell.text_content().strip() for cell in row] for row in page.xpath("//table//tbody/tr")]
    assert rows[2][0] == "区级"  # the county-level platform's meeting
    assert response.context["total_figures"].target == 5 * 2
    csv_rows = list(csv.reader(io.StringIO(client.get(f"/stats/{YEAR}.csv").content.decode("utf-8-sig"))))
    assert [row[1:3] for row in csv_rows[1:]] == [["全区", "4"], ["甲镇", "2"], ["乙镇", "1"], ["区级", "1"]]
    assert csv_rows[1][3] == "10"  # the county's target: 5 for each of its two towns


def test_the_satisfaction_page_and_export_name_the_county_wide_items_with_the_countys_word(
    client, shawan, town_a, unit
):
    published_item(town_a, unit, ratings=(5, 1), county_wide=True)
    with translation.override("zh-hans"):
        expected = pgettext("county-wide", "%(whole)s items") % {"whole": "全区"}
    assert expected in client.get(reverse("outcomes:staff-satisfaction")).content.decode()
    assert [row[0] for row in export(client, "outcomes:satisfaction-towns-xlsx")] == [expected, "总体"]


def test_the_target_per_town_follows_in_coverage_dashboard_and_assessment(client, shawan, town_a):
    assessment = client.get(reverse("assessment"))
    assert assessment.context["target"] == 5
    dashboard = client.get(reverse("dashboard"))
    assert "5" in str(dict(dashboard.context["definitions"])[gettext("Consultations held")])
    coverage = client.get(reverse("sessions:coverage"))
    assert coverage.context["target"] == 5


def _member_rows(*levels):
    blank = {column.key: "" for column in MemberImporter.columns}
    return [
        {**blank, "line": n, "name": f"委员{n}", "level": text, "sector": "经济界"} for n, text in enumerate(levels, 2)
    ]


@pytest.mark.usefixtures("stations")
def test_the_assessment_scores_consultations_against_the_saved_target(client, office):
    client.force_login(office)
    save(client, meetings_per_town_target="4")
    a = assessment_rows(client)["T-A"]
    assert (a.held, a.target, a.points("consultations")) == (2, 4, Decimal("15.0"))  # 2 of 4: half the 30 points


def test_the_member_import_accepts_the_countys_level_word(client, office, town_a):
    SectorFactory(name="经济界")
    client.force_login(office)
    rows = _member_rows("旗级", "区县级")  # a banner (旗) is a county too; 区县级 any county may write
    before = MemberImporter().check(rows)
    assert [r.action for r in before] == ["error", "create"]
    assert "旗级" in before[0].reasons[0]
    save(client, county_level_word="旗级")
    after = MemberImporter().check(rows)
    assert [r.action for r in after] == ["create", "create"]
    assert [r.data["level"] for r in after] == ["county", "county"]


def test_links_and_calendar_files_use_the_saved_address(client, shawan, settings):
    settings.PORTAL_BASE_URL = "https://env.example.gov.cn"
    assert links.absolute("/topics/track/ABC/") == "https://zx.shawan.gov.cn/topics/track/ABC/"
    assert ical._uid_host() == "zx.shawan.gov.cn"
    shawan.email = "office@example.gov.cn"
    shawan.save()
    client.logout()
    client.post(reverse("password_reset"), {"email": "office@example.gov.cn"})
    assert "https://zx.shawan.gov.cn/accounts/reset/" in mail.outbox[0].body


def test_outcome_reminders_come_on_the_saved_days(
    client, shawan, town_a, unit, unit_user, django_capture_on_commit_callbacks
):
    item = outcome_hand_over(
        text="修复村口路灯",
        unit=unit,
        contact_name="王科长",
        deadline=timezone.localdate() + timedelta(days=30),
        by=shawan,
        topic=TopicFactory(town=town_a),
    )
    sent = {}
    for days in range(11, -1, -1):
        with django_capture_on_commit_callbacks(execute=True):
            sent[days] = reminders.scan(item.deadline - timedelta(days=days))["due"]
    assert [days for days, n in sent.items() if n] == [10, 2]


def test_the_retention_period_is_the_saved_one(client, shawan):
    assert retention_months() == 36
    client.logout()
    text = _text(client.get(reverse("topics:suggest")))
    assert "36" in text


def test_the_contact_phone_shows_on_the_refusal_and_error_pages(client, shawan, liaison_a, settings):
    assert "0833-1234567" in _text(client.get("/no-such-page/"))
    client.force_login(liaison_a)
    assert "0833-1234567" in _text(client.get(URL))  # 403
    client.logout()
    settings.TRACKING_LOOKUPS_PER_HOUR = 0
    limited = client.get(reverse("topics:track-detail", args=["NOSUCHCODE"]))
    assert limited.status_code == 429 and "0833-1234567" in _text(limited)
    request = RequestFactory().get("/accounts/login/")
    request.user = AnonymousUser()
    assert "0833-1234567" in account_views.lockout_page(request).content.decode()


def test_the_500_page_shows_the_cached_phone_without_a_query(client, shawan, settings):
    client.get(reverse("home"))  # any page read the settings into the cache
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        page = views.server_error(request).content.decode()
    assert "0833-1234567" in page and len(queries) == 0
    office.forget()  # not cached (a cache just cleared, or down): the environment's phone, still no query
    settings.PORTAL_CONTACT_PHONE = "12345"
    with CaptureQueriesContext(connection) as queries:
        page = views.server_error(request).content.decode()
    assert "12345" in page and "0833-1234567" not in page and len(queries) == 0


class _CacheDown:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis does not answer")

        return fail


def test_pages_read_the_database_when_the_cache_does_not_answer(client, shawan, monkeypatch, settings):
    monkeypatch.setattr(office, "cache", _CacheDown())
    office.forget()
    assert "沙湾区政协办公室" in client.get(reverse("home")).content.decode()
    settings.PORTAL_CONTACT_PHONE = "12345"
    with CaptureQueriesContext(connection) as queries:
        page = views.server_error(RequestFactory().get("/")).content.decode()
    assert "12345" in page and len(queries) == 0


# -- the environment's defaults ----------------------------------------------------------------------------------


def test_a_blank_field_means_the_environments_default(client, office, settings, meeting_a):
    settings.PORTAL_OFFICE_NAME = "示范县政协办公室"
    settings.PORTAL_BASE_URL = "https://consult.example.gov.cn/"
    settings.MEETINGS_PER_TOWN_TARGET = 3
    settings.OUTCOME_REMINDER_DAYS = [1, 7]
    settings.SUBMITTER_RETENTION_MONTHS = 18
    settings.PORTAL_CONTACT_PHONE = "0571-7654321"
    client.force_login(office)
    save(client, **SHAWAN)
    assert office_values() != env_values()
    save(client)  # everything blank again
    assert OfficeSettings.objects.get().base_url == ""
    assert office_values() == env_values()
    document = opened(client.get(reverse("sessions:notice-docx", args=[meeting_a.pk])))
    assert document.paragraphs[0].text == "示范县政协办公室"
    page = client.get(URL).content.decode()
    assert 'placeholder="https://consult.example.gov.cn"' in page and 'placeholder="7,1"' in page


def office_values():
    current = office.current()
    return (
        current.office_name,
        current.base_url,
        current.meetings_per_town_target,
        current.outcome_reminder_days,
        current.retention_months,
        current.contact_phone,
    )


def env_values():
    return ("示范县政协办公室", "https://consult.example.gov.cn", 3, (7, 1), 18, "0571-7654321")


def test_a_retention_below_the_minimum_in_the_environment_is_raised_to_it(settings, db):
    settings.SUBMITTER_RETENTION_MONTHS = 0
    assert retention_months() == 1


# -- no query added ----------------------------------------------------------------------------------------------


def test_pages_read_the_settings_without_a_query_once_cached(client, office, town_a):
    client.force_login(office)
    url = reverse("dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as unsaved:
        client.get(url)
    save(client, **SHAWAN)
    client.get(url)  # the first read after a save goes to the database once
    with CaptureQueriesContext(connection) as saved:
        response = client.get(url)
    (whole,) = lxml.html.fromstring(response.content.decode()).xpath("//select[@name='town']/option[@value='']")
    assert whole.text_content().strip() == "全区"  # the dashboard's choice of the whole county
    assert len(saved) == len(unsaved)
    assert not [q for q in saved.captured_queries if "officesettings" in q["sql"]]
