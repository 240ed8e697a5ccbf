"""Words with two Chinese meanings get a context each ("Town" the platform level 镇街级 vs a town 镇（街道）, "Name"
姓名 of a person vs 名称 of a thing); counts go through ngettext; the year's Word summary is written in Chinese
whatever language the reader chose.

The Chinese checks need the catalogue with the entries of /tmp/translations/i18n.po merged and compiled."""

import io
import re

import docx
import lxml.html
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AreaFactory, MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory


def _page(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def _column_heads(page) -> list[str]:
    return [th.text_content().strip() for th in page.xpath("//table//thead//th")]


def _label_of(page, field: str) -> str:
    return page.xpath(f"//label[@for='id_{field}']")[0].text_content().strip()


def _english(client):
    client.cookies["django_language"] = "en"


# ------------------------------------------------------------------------------------------ "Name": 姓名 or 名称


def test_the_platform_export_heads_the_platforms_names_as_names_of_things(client, office, town_a):
    PlatformFactory(name="甲镇协商室", area=town_a)
    client.force_login(office)
    response = client.get(reverse("sessions:platforms-xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in next(sheet.iter_rows())]
    assert header[0] == "名称"


def test_the_platform_list_heads_names_of_things_and_the_people_lists_names_of_people(client, office, town_a):
    platform = PlatformFactory(name="甲镇协商室", area=town_a)
    meeting = MeetingFactory(platform=platform)
    MemberFactory(name="王律师")
    client.force_login(office)
    assert _column_heads(_page(client, reverse("sessions:platforms")))[0] == "名称"
    members = _column_heads(_page(client, reverse("members:list")))
    assert "姓名" in members and "名称" not in members
    assert "姓名" in _column_heads(_page(client, reverse("sessions:staff-meeting", args=[meeting.pk])))


def test_the_member_form_asks_for_a_persons_name(client, office):
    client.force_login(office)
    assert _label_of(_page(client, reverse("members:new")), "name").rstrip("*") == "姓名"


# ------------------------------------------------------------------------------------- "Town": 镇街级 or 镇（街道）


def test_a_town_platform_is_of_the_town_level_while_the_town_filter_asks_for_a_town(client, office, town_a):
    platform = PlatformFactory(name="甲镇协商室", level="town", area=town_a)
    client.force_login(office)
    detail = _page(client, reverse("sessions:platform-detail", args=[platform.pk]))
    assert "镇街级" in detail.text_content()
    for url in (reverse("sessions:staff-meetings"), reverse("topics:staff-list"), reverse("outcomes:staff-list")):
        assert _label_of(_page(client, url), "town") == "镇（街道）", url


def test_the_outcome_list_heads_its_town_column_with_a_town(client, office, town_a):
    OutcomeFactory(meeting=MeetingFactory(platform=PlatformFactory(area=town_a), status="recorded"), town=town_a)
    client.force_login(office)
    heads = _column_heads(_page(client, reverse("outcomes:staff-list")))
    assert "镇（街道）" in heads and "镇街级" not in heads


def test_the_satisfaction_by_town_export_heads_its_first_column_with_a_town(client, office):
    client.force_login(office)
    response = client.get(reverse("outcomes:satisfaction-towns-xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert next(sheet.iter_rows())[0].value == "镇（街道）"


# ------------------------------------------------------------------------------------------ counts


def _coverage_summary(client) -> str:
    page = _page(client, reverse("sessions:coverage"))
    return " ".join(page.xpath("//p[contains(@class, 'coverage-summary')]")[0].text_content().split())


def test_the_coverage_counts_one_town_and_two_towns_in_english(client, office, town_a):
    client.force_login(office)
    _english(client)
    assert "1 of 1 town below target." in _coverage_summary(client)
    AreaFactory(name="丙镇", code="T-C", level="town", parent=town_a.parent)
    assert "2 of 2 towns below target." in _coverage_summary(client)


def test_the_lockout_list_counts_one_wrong_password_and_five_in_english(client, office, settings):
    client.force_login(office)
    _english(client)
    settings.AXES_FAILURE_LIMIT = 1
    html = client.get(reverse("accounts-locked")).content.decode()
    assert "locked at one address after 1 wrong password there;" in html
    settings.AXES_FAILURE_LIMIT = 5
    html = client.get(reverse("accounts-locked")).content.decode()
    assert "locked at one address after 5 wrong passwords there;" in html


def test_sinking_members_counts_one_member_and_two_members_in_english(client, office, town_b):
    client.force_login(office)
    _english(client)

    def sink(count: int) -> list[str]:
        data = {
            "bulk-members": [MemberFactory().pk for _ in range(count)],
            "bulk-area": town_b.pk,
            "bulk-role": "contact",
            "bulk-starts_on": "2026-04-01",
        }
        return [str(m) for m in client.post(reverse("members:bulk-assign"), data, follow=True).context["messages"]]

    assert sink(1) == ["1 member sunk into 乙镇."]
    assert sink(2) == ["2 members sunk into 乙镇."]


# ------------------------------------------------------------------------------------------ the year's summary


def test_the_years_summary_is_written_in_chinese_for_a_reader_of_english(client, office, town_a):
    client.force_login(office)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get(reverse("dashboard")).content.decode()  # the page itself is in English
    response = client.get(reverse("dashboard-summary"))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "县政协办公室"
    assert "一、协商活动" in paragraphs and "Consultation work" not in "\n".join(paragraphs)
    assert any(p.endswith("、指标口径") for p in paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "指标" in cells and "Figure" not in cells
    latin = [text for text in paragraphs + cells if re.search(r"[A-Za-z]", text)]
    assert latin == []
