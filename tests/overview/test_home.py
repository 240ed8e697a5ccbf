from django.utils import timezone

from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory


def _fill(town, n):
    platform = PlatformFactory(area=town)
    for _ in range(n):
        meeting = MeetingFactory(platform=platform)
        OutcomeFactory(meeting=meeting, status="implemented", answer="已修复", published_at=timezone.now())


def test_it_greets_a_resident_in_chinese(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert "有事来协商" in html
    assert "暂无公布的协商会" in html or "近期协商会" in html


def test_it_lists_published_meetings_and_results(client, town_a):
    _fill(town_a, 2)
    MeetingFactory(platform=PlatformFactory(area=town_a), title="尚未公布的会", status="planned")
    html = client.get("/").content.decode()
    assert "协商会" in html and "甲镇" in html
    assert "尚未公布的会" not in html
    assert "已落实" in html


def test_it_escapes_what_staff_typed(client, town_a):
    MeetingFactory(platform=PlatformFactory(area=town_a), title="<script>alert(1)</script>")
    html = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_uses_the_same_number_of_queries_at_two_sizes(client, town_a, django_assert_max_num_queries):
    _fill(town_a, 1)
    with django_assert_max_num_queries(50) as small:
        client.get("/")
    _fill(town_a, 4)
    with django_assert_max_num_queries(50) as large:
        client.get("/")
    assert len(small.captured_queries) == len(large.captured_queries)


def test_it_links_the_published_plan_and_the_tracking_page(client, db):
    from topics.models import ConsultationPlan

    ConsultationPlan.objects.create(year=2026, status="draft")
    html = client.get("/").content.decode()
    assert "/topics/track/" in html and "/topics/plan/2026/" not in html
    ConsultationPlan.objects.filter(year=2026).update(
        status="published", approved_by="主席会议", approved_on="2026-02-01", published_at="2026-02-02T00:00:00Z"
    )
    assert "/topics/plan/2026/" in client.get("/").content.decode()
