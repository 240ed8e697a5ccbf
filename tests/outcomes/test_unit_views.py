"""The responsible unit's pages: its own items, progress with photos, the final answer."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from consult_portal.models import Notification, Role
from outcomes.models import OutcomeEvent, OutcomeItem, ProgressPhoto
from tests.factories import OutcomeFactory, UnitFactory, UserFactory

LIST = "/unit/items/"


def _detail(item):
    return f"/unit/items/{item.pk}/"


def _progress(client, item, files=None, follow=False, **data):
    fields = {"date": timezone.localdate().isoformat(), "text": "已完成路面勘察,施工队下周进场。"} | data
    return client.post(
        f"/unit/items/{item.pk}/progress/",
        {f"progress-{k}": v for k, v in fields.items()} | (files or {}),
        follow=follow,
    )


def _answer(client, item, **data):
    fields = {"status": "implemented", "answer": "路灯已全部修复并通电。", "reason": ""} | data
    return client.post(f"/unit/items/{item.pk}/answer/", {f"answer-{k}": v for k, v in fields.items()})


def _jpeg_with_gps() -> bytes:
    picture = Image.new("RGB", (800, 600), (200, 80, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _error_beside(html: str, field_id: str) -> str:
    """The text of the first error crispy renders under the field with this id."""
    found = re.search(rf'id="error_1_{re.escape(field_id)}"[^>]*>(.*?)</span>', html, re.S)
    assert found, f"no error beside {field_id}"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


@pytest.fixture
def item(unit):
    return OutcomeFactory(
        unit=unit, text="修复村口至学校路段的路灯", contact_name="王科长", contact_phone="0571-1234567"
    )


@pytest.fixture
def other_item(db):
    return OutcomeFactory(unit=UnitFactory(name="县交通运输局"), text="交通局的事项")


def test_anonymous_visitors_are_sent_to_log_in(client, item):
    for url in (LIST, _detail(item)):
        assert client.get(url)["Location"].startswith("/accounts/login/")
    assert _progress(client, item)["Location"].startswith("/accounts/login/")
    assert _answer(client, item)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["office", "liaison_a", "leader", "member"])
def test_other_roles_are_refused(client, personas, persona, item):
    client.force_login(personas[persona])
    assert client.get(LIST).status_code == 403
    assert client.get(_detail(item)).status_code == 403
    assert _progress(client, item).status_code == 403
    assert _answer(client, item).status_code == 403
    item.refresh_from_db()
    assert item.status == OutcomeItem.Status.ASSIGNED


def test_a_unit_login_without_a_unit_sees_nothing(client, item):
    client.force_login(UserFactory(username="lost-unit", role=Role.UNIT))
    assert client.get(LIST).status_code == 403
    assert client.get(_detail(item)).status_code == 403
    assert _progress(client, item).status_code == 403


def test_a_unit_lands_on_its_items_after_login(client, unit_user):
    client.force_login(unit_user)
    assert client.get("/accounts/home/")["Location"] == LIST
    client.force_login(UserFactory(username="lost-unit", role=Role.UNIT))
    assert client.get("/accounts/home/")["Location"] == "/inbox/"


def test_the_unit_sees_its_own_items_only(client, unit_user, item, other_item):
    client.force_login(unit_user)
    html = client.get(LIST).content.decode()
    assert "修复村口至学校路段的路灯" in html and "交通局的事项" not in html
    assert f'href="{_detail(item)}"' in html
    assert "县住房城乡建设局" in html


def test_another_units_item_is_not_found(client, unit_user, other_item):
    client.force_login(unit_user)
    assert client.get(_detail(other_item)).status_code == 404
    assert _progress(client, other_item).status_code == 404
    assert _answer(client, other_item).status_code == 404
    other_item.refresh_from_db()
    assert other_item.status == OutcomeItem.Status.ASSIGNED
    assert not other_item.updates.exists()


def test_the_navigation_leads_units_to_their_items(client, unit_user, office):
    client.force_login(unit_user)
    assert f'href="{LIST}"' in client.get("/inbox/").content.decode()
    client.force_login(office)
    assert f'href="{LIST}"' not in client.get("/inbox/").content.decode()


def test_the_item_page_shows_the_facts_and_both_forms(client, unit_user, item):
    client.force_login(unit_user)
    response = client.get(_detail(item))
    html = response.content.decode()
    assert response.status_code == 200
    assert "修复村口至学校路段的路灯" in html and "王科长" in html and "0571-1234567" in html
    assert item.meeting.title in html
    assert item.deadline.strftime("%Y-%m-%d") in html
    assert "已交办" in html
    assert response.context["progress_form"]["date"].value() == timezone.localdate()
    assert f'action="/unit/items/{item.pk}/progress/"' in html and 'enctype="multipart/form-data"' in html
    assert f'action="/unit/items/{item.pk}/answer/"' in html
    assert "已落实" in html and "部分落实" in html and "暂不具备条件" in html


def test_progress_with_a_photo_is_recorded_with_who_and_when(client, unit_user, item):
    client.force_login(unit_user)
    photo = SimpleUploadedFile("site.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    response = _progress(client, item, files={"progress-photos": [photo]})
    assert response.status_code == 302 and response["Location"] == _detail(item)
    item.refresh_from_db()
    assert item.status == OutcomeItem.Status.IN_PROGRESS
    update = item.updates.get()
    assert (update.author, update.date, update.text) == (
        unit_user,
        timezone.localdate(),
        "已完成路面勘察,施工队下周进场。",
    )
    stored = ProgressPhoto.objects.get(update=update)
    with Image.open(stored.image) as picture:
        assert picture.format == "JPEG" and not picture.getexif()
    event = item.events.get(kind=OutcomeEvent.Kind.PROGRESS)
    assert event.actor == unit_user

    html = client.get(_detail(item)).content.decode()
    assert "推进中" in html
    assert stored.thumbnail.url in html
    history = html[html.index('data-event="progress"') :]
    assert timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M") in history[:400]
    assert "unit1" in history[:400]


def test_the_success_message_is_in_chinese(client, unit_user, item):
    # Depends on the pending translations (.pending_i18n/unit.json).
    client.force_login(unit_user)
    html = _progress(client, item, follow=True).content.decode()
    assert "进展已报送。" in html


def test_a_pdf_renamed_jpg_is_refused_beside_the_photo_field(client, unit_user, item):
    client.force_login(unit_user)
    pdf = SimpleUploadedFile(
        "report.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", content_type="image/jpeg"
    )
    response = _progress(client, item, files={"progress-photos": [pdf]}, text="已约谈施工单位")
    html = response.content.decode()
    assert response.status_code == 400
    assert _error_beside(html, "id_progress-photos") == "report.jpg:该文件不是照片。"
    assert "已约谈施工单位</textarea>" in html
    item.refresh_from_db()
    assert item.status == OutcomeItem.Status.ASSIGNED and not item.updates.exists()


def test_more_than_three_photos_are_refused(client, unit_user, item):
    client.force_login(unit_user)
    photos = [SimpleUploadedFile(f"p{i}.jpg", _jpeg_with_gps(), content_type="image/jpeg") for i in range(4)]
    response = _progress(client, item, files={"progress-photos": photos})
    assert response.status_code == 400
    assert _error_beside(response.content.decode(), "id_progress-photos") == "最多选择 3 张照片。"
    assert not item.updates.exists()


def test_a_progress_date_in_the_future_is_refused_beside_the_date(client, unit_user, item):
    client.force_login(unit_user)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _progress(client, item, date=tomorrow)
    assert response.status_code == 400
    assert response.context["progress_form"].has_error("date", code="future")
    assert _error_beside(response.content.decode(), "id_progress-date")
    assert not item.updates.exists()


def test_not_feasible_without_a_reason_is_refused_beside_the_reason(client, unit_user, item):
    client.force_login(unit_user)
    response = _answer(client, item, status="not_feasible", answer="资金尚未落实,明年列入预算。", reason=" ")
    html = response.content.decode()
    assert response.status_code == 400
    assert _error_beside(html, "id_answer-reason") == "请说明该事项暂不具备条件的原因。"
    assert "资金尚未落实,明年列入预算。</textarea>" in html
    assert 'value="not_feasible"' in html and re.search(r'value="not_feasible"[^>]*checked', html)
    item.refresh_from_db()
    assert (item.status, item.answer) == (OutcomeItem.Status.ASSIGNED, "")


def test_a_valid_answer_goes_to_the_office_for_acceptance(client, unit_user, office, item):
    client.force_login(unit_user)
    response = _answer(
        client, item, status="not_feasible", answer="已勘察现场。", reason="道路明年整体改造,届时一并安装。"
    )
    assert response.status_code == 302 and response["Location"] == _detail(item)
    item.refresh_from_db()
    assert (item.status, item.answer_status, item.reason) == (
        OutcomeItem.Status.ANSWERED,
        OutcomeItem.Status.NOT_FEASIBLE,
        "道路明年整体改造,届时一并安装。",
    )
    notice = Notification.objects.get(recipient=office, channel=Notification.Channel.INAPP, kind="outcome_answered")
    assert notice.link == f"/staff/outcomes/{item.pk}/"
    assert item.events.get(kind=OutcomeEvent.Kind.ANSWERED).actor == unit_user
    html = client.get(_detail(item)).content.decode()
    assert "已答复待确认" in html and "道路明年整体改造" in html
    assert f'action="/unit/items/{item.pk}/answer/"' not in html


@pytest.mark.parametrize("status", ["answered", "implemented"])
def test_progress_and_answers_on_a_closed_item_are_refused(client, unit_user, unit, status):
    item = OutcomeFactory(unit=unit, status=status, answer="已修复", answer_status="implemented")
    client.force_login(unit_user)
    assert "/progress/" not in client.get(_detail(item)).content.decode()
    response = _progress(client, item)
    assert response.status_code == 400
    assert "只能对未办结的事项报告进展。" in response.content.decode()
    response = _answer(client, item)
    assert response.status_code == 400
    assert "只能答复未办结的事项。" in response.content.decode()
    item.refresh_from_db()
    assert item.status == status and not item.updates.exists()


def test_overdue_items_are_marked_and_can_be_filtered(client, unit_user, unit, item):
    today = timezone.localdate()
    late = OutcomeFactory(unit=unit, text="逾期未办的排水改造", deadline=today - timedelta(days=3))
    OutcomeFactory(unit=unit, text="已办结的旧事项", deadline=today - timedelta(days=30), status="implemented")
    client.force_login(unit_user)
    html = client.get(LIST).content.decode()
    assert html.count("data-overdue=") == 1 and f'data-overdue="{late.pk}"' in html
    row = html[html.index(f'data-item="{late.pk}"') :]
    assert "已超期" in row[: row.index("</tr>")]
    html = client.get(LIST, {"overdue": "1"}).content.decode()
    assert "逾期未办的排水改造" in html
    assert "修复村口至学校路段的路灯" not in html and "已办结的旧事项" not in html
    html = client.get(LIST, {"status": "implemented"}).content.decode()
    assert "已办结的旧事项" in html and "逾期未办的排水改造" not in html
    assert "已超期" in client.get(_detail(late)).content.decode()


def test_the_days_left_and_days_late_are_shown(client, unit_user, unit):
    # Depends on the pending translations (.pending_i18n/unit.json).
    today = timezone.localdate()
    OutcomeFactory(unit=unit, deadline=today + timedelta(days=5))
    OutcomeFactory(unit=unit, deadline=today - timedelta(days=2))
    client.force_login(unit_user)
    html = client.get(LIST).content.decode()
    assert "还剩 5 天" in html and "超期 2 天" in html


def test_it_pages_through_many_items(client, unit_user, unit):
    OutcomeFactory.create_batch(26, unit=unit)
    client.force_login(unit_user)
    assert "共 2 页" in client.get(LIST).content.decode()
    assert client.get(LIST, {"page": 2}).status_code == 200


def _fill(unit, n):
    today = timezone.localdate()
    for i in range(n):
        OutcomeFactory(
            unit=unit, deadline=today + timedelta(days=i - n // 2), status=["assigned", "in_progress"][i % 2]
        )


def test_it_uses_the_same_number_of_queries_at_two_sizes(client, unit_user, unit, django_assert_max_num_queries):
    client.force_login(unit_user)
    _fill(unit, 3)
    with django_assert_max_num_queries(15) as small:
        assert client.get(LIST).status_code == 200
    _fill(unit, 9)
    with django_assert_max_num_queries(15) as large:
        assert client.get(LIST).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
    assert OutcomeItem.objects.filter(unit=unit).count() == 12


def test_the_item_page_uses_the_same_number_of_queries_with_more_history(
    client, unit_user, item, django_assert_max_num_queries
):
    from outcomes import services

    client.force_login(unit_user)
    services.outcome_post_progress(item=item, text="第一次进展", by=unit_user)
    with django_assert_max_num_queries(20) as small:
        assert client.get(_detail(item)).status_code == 200
    for n in range(4):
        services.outcome_post_progress(item=item, text=f"进展{n}", by=unit_user)
    with django_assert_max_num_queries(20) as large:
        assert client.get(_detail(item)).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
