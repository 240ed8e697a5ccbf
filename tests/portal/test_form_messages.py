"""Every refusal of a length, a range or a format names the field in plain words (#15): over-long input used to get
Django's "确保该变量包含不超过 100 字符", a number out of range "确保该值小于或等于100。"."""

from django import forms
from django.utils.translation import gettext as _

from consult_portal.forms import CleanTextMixin
from topics.models import Topic


def too_long(label, limit, length) -> str:
    return _("%(label)s takes at most %(limit_value)s characters; this is %(show_value)s.") % {
        "label": label,
        "limit_value": limit,
        "show_value": length,
    }


class EveryKindForm(CleanTextMixin, forms.Form):
    title = forms.CharField(label="标题", max_length=100)
    code = forms.CharField(label="代码", min_length=4, required=False)
    count = forms.IntegerField(label="参会人数", min_value=0, max_value=10000, required=False)
    on = forms.DateField(label="日期", required=False)
    at = forms.DateTimeField(label="开始时间", required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    share = forms.IntegerField(label="权重（%）", max_value=100, required=False)
    kind = forms.ChoiceField(label="类别", choices=[("a", "甲")], required=False)
    plain = forms.CharField(max_length=3, required=False)  # no label: the message has none either


def _errors(**data) -> dict:
    form = EveryKindForm({"title": "路灯", **data})
    assert not form.is_valid()
    return form.errors


def test_an_over_long_text_is_refused_with_its_label_its_limit_and_its_length():
    assert _errors(title="长" * 120)["title"] == [too_long("标题", 100, 120)]


def test_a_short_text_a_number_out_of_range_and_a_bad_format_say_what_is_wanted():
    errors = _errors(code="ab", count="10001", on="2026-13-45", at="明天", email="nobody", kind="z", share="120")
    assert errors["code"] == [
        _("%(label)s takes at least %(limit_value)s characters; this is %(show_value)s.")
        % {"label": "代码", "limit_value": 4, "show_value": 2}
    ]
    more = _("%(label)s cannot be more than %(limit_value)s.")
    assert errors["count"] == [more % {"label": "参会人数", "limit_value": 10000}]
    assert errors["on"] == [_("%(label)s is a date, such as 2026-03-15.") % {"label": "日期"}]
    assert errors["at"] == [_("%(label)s is a date and time, such as 2026-03-15 09:30.") % {"label": "开始时间"}]
    assert errors["email"] == [_("%(label)s is an email address, such as name@example.com.") % {"label": "电子邮箱"}]
    assert errors["kind"] == [_("%(label)s: choose one from the list.") % {"label": "类别"}]
    # A per cent sign in the label is shown, not read as a placeholder.
    assert errors["share"] == [more % {"label": "权重（％）", "limit_value": 100}]
    assert _errors(count="-1")["count"] == [
        _("%(label)s cannot be less than %(limit_value)s.") % {"label": "参会人数", "limit_value": 0}
    ]
    assert _errors(count="很多")["count"] == [_("%(label)s is a whole number, such as 12.") % {"label": "参会人数"}]
    assert _errors(plain="长长长长")["plain"] == [
        _("At most %(limit_value)s characters; this is %(show_value)s.") % {"limit_value": 3, "show_value": 4}
    ]


def test_the_portals_words_replace_djangos_but_not_a_forms_own():
    class OwnWordsForm(CleanTextMixin, forms.Form):
        title = forms.CharField(label="标题", max_length=5, error_messages={"max_length": "太长了"})
        kind = forms.ChoiceField(choices=[("a", "甲")], error_messages={"invalid_choice": "请选甲"})
        note = forms.CharField(label="备注", max_length=5)

    form = OwnWordsForm({"title": "长" * 6, "kind": "z", "note": "长" * 6})
    assert not form.is_valid()
    assert form.errors == {"title": ["太长了"], "kind": ["请选甲"], "note": [too_long("备注", 5, 6)]}


def test_the_public_topic_form_names_an_over_long_title(client, town_a):
    suggestion = {
        "title": "长" * 120,
        "description": "村口到学校的路灯坏了三个月。",
        "category": "livelihood",
        "town": town_a.pk,
        "submission_key": "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1a1",
    }
    response = client.post("/topics/suggest/", suggestion)
    assert response.status_code == 400
    assert too_long(_("Title"), 100, 120) in response.content.decode()
    assert not Topic.objects.exists()


def test_a_staff_number_out_of_range_names_its_field(client, office):
    from consult_portal.overview.assessment_views import WeightsForm

    client.force_login(office)
    data = {"consultations": 30, "outcomes": 25, "satisfaction": 20, "platforms": 101, "members": 10}
    response = client.post("/staff/assessment/weights/", data)
    assert response.status_code == 400
    label = WeightsForm().fields["platforms"].label
    message = _("%(label)s cannot be more than %(limit_value)s.") % {"label": label, "limit_value": 100}
    assert message in response.content.decode()
