import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sessions.models import Meeting, MeetingPhoto, MeetingTransition, Participant, RecordItem
from tests.factories import AreaFactory, MeetingFactory, PlatformFactory, TopicFactory

LIST = "/meetings/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_meeting(**kwargs) -> Meeting:
    """A meeting at a town's platform (unless given one), with no history."""
    if "platform" not in kwargs:
        county = AreaFactory(name="示范县", code="C0", level="county", parent=None)
        kwargs["platform"] = PlatformFactory(area=AreaFactory(level="town", parent=county))
    return MeetingFactory(**kwargs)


def announced(**kwargs) -> Meeting:
    """A meeting whose notice was published, then possibly moved on to the given status."""
    status = kwargs.pop("status", Meeting.Status.NOTICE_PUBLISHED)
    meeting = make_meeting(status=status, **kwargs)
    MeetingTransition.objects.create(meeting=meeting, from_status="planned", to_status="published")
    if status != Meeting.Status.NOTICE_PUBLISHED:
        MeetingTransition.objects.create(meeting=meeting, from_status="published", to_status=status)
    return meeting


def titles_in(html: str) -> list[str]:
    return re.findall(r'data-meeting="\d+">\s*<a[^>]*>([^<]+)</a>', html)


def test_it_hides_planned_meetings_from_the_list(client, db):
    announced(title="公开的协商会")
    make_meeting(title="内部筹备的协商会", status=Meeting.Status.PLANNED)
    assert titles_in(client.get(LIST).content.decode()) == ["公开的协商会"]


@pytest.mark.parametrize("suffix", ["/", "/print/", ".ics"])
def test_it_answers_not_found_for_a_planned_meeting(client, db, suffix):
    meeting = make_meeting(status=Meeting.Status.PLANNED)
    assert client.get(f"/meetings/{meeting.pk}{suffix}").status_code == 404


def test_it_answers_not_found_for_a_cancelled_meeting_that_was_never_announced(client, db):
    meeting = make_meeting(status=Meeting.Status.CANCELLED, status_reason="场地调整")
    MeetingTransition.objects.create(meeting=meeting, from_status="planned", to_status="cancelled")
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert titles_in(client.get(LIST).content.decode()) == []


def test_it_keeps_announced_meetings_that_were_postponed_or_cancelled_with_their_reason(client, db):
    announced(title="延期的协商会", status=Meeting.Status.POSTPONED, status_reason="雨季道路不通")
    announced(title="取消的协商会", status=Meeting.Status.CANCELLED, status_reason="问题已解决")
    html = client.get(LIST).content.decode()
    assert sorted(titles_in(html)) == ["取消的协商会", "延期的协商会"]
    assert "雨季道路不通" in html and "问题已解决" in html
    assert 'data-status="postponed"' in html and 'data-status="cancelled"' in html


def test_it_filters_by_town_and_counts_village_platforms_for_their_town(client, town_a, town_b, village_a):
    announced(title="甲镇议事厅的会", platform=PlatformFactory(area=town_a))
    announced(title="甲一村议事角的会", platform=PlatformFactory(area=village_a, level="village"))
    announced(title="乙镇的会", platform=PlatformFactory(area=town_b))
    html = client.get(LIST, {"town": town_a.pk}).content.decode()
    assert sorted(titles_in(html)) == ["甲一村议事角的会", "甲镇议事厅的会"]
    assert f'<option value="{town_a.pk}" selected>' in html
    assert titles_in(client.get(LIST, {"town": town_b.pk}).content.decode()) == ["乙镇的会"]


def test_it_ignores_an_unknown_town(client, db):
    announced(title="任意镇的会")
    assert titles_in(client.get(LIST, {"town": "nonsense"}).content.decode()) == ["任意镇的会"]


def test_it_lists_upcoming_meetings_soonest_first_then_recent_ones_latest_first(client, db):
    now = timezone.now()
    announced(title="十天后", starts_at=now + timedelta(days=10))
    announced(title="明天", starts_at=now + timedelta(days=1))
    announced(title="上周", starts_at=now - timedelta(days=7), status=Meeting.Status.HELD)
    announced(title="上月", starts_at=now - timedelta(days=30), status=Meeting.Status.HELD)
    announced(title="半年前", starts_at=now - timedelta(days=180), status=Meeting.Status.HELD)
    html = client.get(LIST).content.decode()
    assert titles_in(html) == ["明天", "十天后", "上周", "上月"]
    assert html.index('data-section="upcoming"') < html.index('data-section="recent"')


def test_it_bounds_the_list_with_pages(client, db):
    now = timezone.now()
    for days in range(25):
        announced(starts_at=now + timedelta(days=days + 1))
    assert len(titles_in(client.get(LIST).content.decode())) == 20
    assert len(titles_in(client.get(LIST, {"page": 2}).content.decode())) == 5


def test_it_shows_the_notice(client, town_a, village_a):
    platform = PlatformFactory(name="甲一村协商议事角", area=village_a, level="village", address="甲一村村委会二楼")
    meeting = announced(
        title="村口路灯协商会",
        platform=platform,
        form=Meeting.Form.ON_SITE,
        starts_at=datetime(2030, 5, 1, 9, 30, tzinfo=SHANGHAI),
        ends_at=datetime(2030, 5, 1, 11, 30, tzinfo=SHANGHAI),
        place="村口大榕树下",
        host="李主任",
        organiser="甲镇政协联络站",
        how_to_take_part="欢迎村民直接到场,也可提前到村委会登记发言。",
    )
    meeting.topics.set(
        [TopicFactory(town=town_a, title="村口路灯坏了"), TopicFactory(town=town_a, title="学校路口积水")]
    )
    response = client.get(f"/meetings/{meeting.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "村口路灯协商会",
        "村口路灯坏了",
        "学校路口积水",
        "村口大榕树下",
        "甲一村协商议事角",
        "甲一村村委会二楼",
    ]:
        assert text in html
    for text in ["甲镇 · 甲一村", "李主任", "甲镇政协联络站", "欢迎村民直接到场", meeting.get_form_display()]:
        assert text in html
    assert '<time datetime="2030-05-01T09:30:00+08:00">2030-05-01' in html
    assert f'href="/meetings/{meeting.pk}.ics"' in html
    assert f'href="/meetings/{meeting.pk}/print/"' in html


def recorded_meeting(**kwargs) -> Meeting:
    meeting = announced(
        status=Meeting.Status.RECORDED,
        starts_at=timezone.now() - timedelta(days=2),
        summary="会议纪要:大家同意先修路灯。",
        answers="县住建局:两周内完成维修。",
        attendance_count=23,
        walk_in_count=9,
        **kwargs,
    )
    RecordItem.objects.create(meeting=meeting, kind=RecordItem.Kind.SUGGESTION, text="建议增设两盏路灯")
    RecordItem.objects.create(meeting=meeting, kind=RecordItem.Kind.CONSENSUS, text="共识:月底前修好")
    MeetingPhoto.objects.create(meeting=meeting, image=SimpleUploadedFile("scene.jpg", b"not read", "image/jpeg"))
    return meeting


def test_it_shows_the_public_record_after_the_meeting(client, db):
    meeting = recorded_meeting()
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    for text in ["会议纪要:大家同意先修路灯。", "县住建局:两周内完成维修。", "建议增设两盏路灯", "共识:月底前修好"]:
        assert text in html
    assert '<dd data-figure="attendance">23</dd>' in html
    assert '<dd data-figure="walk-in">9</dd>' in html
    assert meeting.photos.get().image.url in html


def test_it_keeps_the_record_off_the_notice_before_the_meeting(client, db):
    meeting = announced(summary="提前写好的纪要草稿", answers="部门答复草稿", attendance_count=5)
    RecordItem.objects.create(meeting=meeting, kind=RecordItem.Kind.SUGGESTION, text="尚未公开的建议")
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "提前写好的纪要草稿" not in html and "部门答复草稿" not in html and "尚未公开的建议" not in html
    assert 'data-figure="attendance"' not in html


@pytest.mark.parametrize("suffix", ["/", "/print/", ".ics"])
def test_it_never_shows_residents_names_or_phone_numbers(client, db, suffix):
    meeting = recorded_meeting()
    Participant.objects.create(
        meeting=meeting, kind=Participant.Kind.RESIDENT, name="王秀英", phone="13911112222", organisation="甲一村三组"
    )
    body = client.get(f"/meetings/{meeting.pk}{suffix}").content.decode()
    assert "王秀英" not in body and "13911112222" not in body and "甲一村三组" not in body


def test_it_escapes_the_title(client, db):
    meeting = announced(title="<script>alert(1)</script>路灯")
    for url in [LIST, f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/print/"]:
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯" in html


def test_the_print_page_holds_the_title_and_a_qr_code_of_the_notice(client, db, settings):
    settings.PORTAL_BASE_URL = "https://consult.example.gov.cn"  # printed: the configured address, not the Host
    meeting = announced(title="张贴用的协商会通知", how_to_take_part="到村委会报名")
    response = client.get(f"/meetings/{meeting.pk}/print/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "张贴用的协商会通知" in html and "到村委会报名" in html
    assert "<svg" in html
    assert f"<title>https://consult.example.gov.cn/meetings/{meeting.pk}/</title>" in html
    assert "css/print-notice.css" in html
    assert 'class="public-header' not in html and "<nav" not in html
    assert "<script>" not in html and "style=" not in html


def _fill(n: int, town, villages):
    now = timezone.now()
    for i in range(n):
        platform = PlatformFactory(area=villages[i % len(villages)], level="village")
        meeting = announced(platform=platform, starts_at=now + timedelta(days=i + 1))
        meeting.topics.set([TopicFactory(town=town)])
        past = announced(platform=platform, starts_at=now - timedelta(days=i + 1), status=Meeting.Status.HELD)
        RecordItem.objects.create(meeting=past, kind=RecordItem.Kind.SUGGESTION, text="建议")


def test_it_uses_the_same_number_of_queries_at_two_sizes(client, town_a, django_assert_max_num_queries):
    villages = [AreaFactory(level="village", parent=town_a) for _ in range(2)]
    _fill(2, town_a, villages)
    with django_assert_max_num_queries(10) as small:
        assert client.get(LIST, {"town": town_a.pk}).status_code == 200
    _fill(15, town_a, villages)
    with django_assert_max_num_queries(10) as large:
        assert client.get(LIST, {"town": town_a.pk}).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
    assert Meeting.objects.count() == 34
