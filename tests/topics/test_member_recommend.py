from topics.models import Topic


def test_a_member_recommends_a_topic_and_sees_it_in_their_record(client, member_user, town_a):
    client.force_login(member_user)
    data = {
        "title": "农村养老服务站建设",
        "description": "多个村缺少日间照料",
        "category": "livelihood",
        "town": town_a.pk,
        "reasons": "走访发现老人独居比例高",
        "evidence": "走访记录32份",
    }
    response = client.post("/members/me/recommend/", {**data, "reasons": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    response = client.post("/members/me/recommend/", data)
    assert response["Location"] == "/members/me/"
    topic = Topic.objects.get()
    assert (topic.source, topic.recommended_by.user, topic.reasons) == ("member", member_user, "走访发现老人独居比例高")
    html = client.get("/members/me/").content.decode()
    assert "农村养老服务站建设" in html and "已提交" in html


def test_staff_and_residents_cannot_open_a_members_workspace(client, office, db):
    assert client.get("/members/me/")["Location"].startswith("/accounts/login/")
    client.force_login(office)
    assert client.get("/members/me/").status_code == 403
