from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consult_portal.forms import CleanTextMixin, DateInput, SearchSelectMultiple
from consult_portal.models import Area, Sector, in_town
from consult_portal.phones import MobilePhoneField
from consult_portal.photo_fields import MultiplePhotoField, PhotoFormMixin
from members.models import Member
from members.selectors import sunk_members
from topics.models import Topic

from .forms_record import ItemProposersMixin, ParticipationMixin, SuggestionRowsMixin, record_layout
from .models import Meeting, Participant, Platform, Research
from .selectors import PARTICIPATION_FIELDS
from .services import SCHEDULABLE_TOPIC_STATUSES
from .services_record import open_record_items

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def platforms_for(town):
    platforms = Platform.objects.select_related("area").order_by("level", "name")
    return platforms if town is None else platforms.filter(in_town(town))


class _Helper(CleanTextMixin):
    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        return helper


class MeetingForm(_Helper, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.none())
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.none(), widget=SearchSelectMultiple
    )
    form = forms.ChoiceField(label=_("Form of consultation"), choices=Meeting.Form.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME)
    place = forms.CharField(
        label=_("Place"), max_length=200, required=False, help_text=_("Empty: the platform's address")
    )
    host = forms.CharField(label=_("Host"), max_length=50, required=False)
    organiser = forms.CharField(label=_("Organising unit"), max_length=100, required=False)
    how_to_take_part = forms.CharField(
        label=_("How to take part"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, town=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = platforms_for(town)
        topics = (
            Topic.objects.filter(status__in=SCHEDULABLE_TOPIC_STATUSES)
            .select_related("town")
            .order_by("-year", "title")
        )
        self.fields["topics"].queryset = topics if town is None else topics.filter(town=town)
        self.helper = self._helper()

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return data


class RescheduleForm(_Helper, forms.Form):
    starts_at = forms.DateTimeField(label=_("New start"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("New end"), widget=DATETIME)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return data


class ReasonForm(_Helper, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class HeldForm(_Helper, forms.Form):
    no_research_reason = forms.CharField(
        label=_("Reason for holding without research"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when no research record exists: no research, no consultation."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class PublishForm(HeldForm):
    """Publishing the notice asks for the same reason as holding, when no research is recorded yet."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["no_research_reason"]
        field.label = _("Reason for going ahead without research")
        field.help_text = _("No research, no consultation: without a research record the notice needs this reason.")


class MemberSearchForm(CleanTextMixin, forms.Form):
    """Who to invite: "whoever the matter touches" — members by sector, expertise and where they are sunk."""

    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.order_by("name"), required=False)
    expertise = forms.CharField(label=_("Expertise"), max_length=50, required=False)
    area = forms.ModelChoiceField(
        label=_("Assigned to"),
        queryset=Area.objects.exclude(level=Area.Level.COUNTY).select_related("parent").order_by("code"),
        required=False,
    )
    area.label_from_instance = Area.label.fget

    def members(self):
        members = Member.objects.filter(is_active=True).select_related("sector").order_by("name")
        if not self.is_valid():
            return members.none()
        data = self.cleaned_data
        if not any(data.values()):
            return members.none()
        if data["sector"]:
            members = members.filter(sector=data["sector"])
        if data["expertise"]:
            members = members.filter(expertise__icontains=data["expertise"])
        if data["area"]:
            members = members.filter(pk__in=sunk_members(data["area"], timezone.localdate()))
        return members[:50]


class MemberChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.sector.name}）"


class InviteMembersForm(CleanTextMixin, forms.Form):
    """Members chosen by name from one searchable list (the finder by sector and place posts the same field)."""

    members = MemberChoices(
        label=_("Members"),
        queryset=Member.objects.filter(is_active=True).select_related("sector").order_by("name"),
        widget=SearchSelectMultiple(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is not None:  # the list to choose from leaves out who is already invited
            field = self.fields["members"]
            field.queryset = field.queryset.exclude(participations__meeting=meeting)


class OtherParticipantForm(_Helper, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[c for c in Participant.Kind.choices if c[0] != Participant.Kind.MEMBER]
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    organisation = forms.CharField(label=_("Organisation"), max_length=100, required=False)
    phone = MobilePhoneField(label=_("Phone"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class ResearchForm(_Helper, forms.ModelForm):
    class Meta:
        model = Research
        fields = ["date", "kind", "participants", "findings"]
        widgets = {
            "date": DateInput(),
            "participants": forms.Textarea(attrs={"rows": 2}),
            "findings": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].max_length = 5000
        self.helper = self._helper()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class RecordForm(PhotoFormMixin, SuggestionRowsMixin, ParticipationMixin, _Helper, forms.Form):
    """The record of a held meeting: the suggestion rows (each with the member who raised it), more suggestions
    by line, consensus, answers, attendance and participation (prefilled from the participants' list), photos."""

    summary = forms.CharField(label=_("Summary"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    suggestions = forms.CharField(
        label=_("More suggestions raised"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One suggestion per line, for suggestions beyond the rows above or raised by no one member."),
    )
    consensus = forms.CharField(
        label=_("Consensus reached"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line."),
    )
    answers = forms.CharField(
        label=_("Departments' answers on the spot"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attendance_count = forms.IntegerField(label=_("Attendance"), min_value=0, max_value=10000)
    walk_in_count = forms.IntegerField(
        label=_("Residents who came of their own accord"), min_value=0, max_value=10000, required=False
    )
    photos = MultiplePhotoField(label=_("Photos"), required=False)

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_suggestion_rows(meeting)
        self.add_participation_fields()
        self.helper = self._helper()
        rest = ["suggestions", "consensus", "answers", "attendance_count", "walk_in_count", *PARTICIPATION_FIELDS]
        self.helper.layout = record_layout(["summary"], self.suggestion_rows_layout(), [*rest, "photos"])

    def clean(self):
        data = super().clean()
        self.check_suggestion_rows()
        self.check_participation()
        return data

    def items(self) -> list[tuple]:
        data = self.cleaned_data
        return (
            self.row_items()
            + [("suggestion", t) for t in _lines(data.get("suggestions", ""))]
            + [("consensus", t) for t in _lines(data.get("consensus", ""))]
        )


class AmendRecordForm(ItemProposersMixin, ParticipationMixin, _Helper, forms.Form):
    """A correction of a completed record: the reason, then the record as it should read. Items already handed to
    a unit are not in it: they stay as handed over."""

    reason = forms.CharField(
        label=_("Reason for the amendment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = RecordForm.base_fields["summary"]
    suggestions = forms.CharField(
        label=_("Suggestions not yet handed over"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. Items already handed to a unit stay as they are."),
    )
    consensus = forms.CharField(
        label=_("Consensus not yet handed over"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line."),
    )
    answers = RecordForm.base_fields["answers"]
    attendance_count = RecordForm.base_fields["attendance_count"]
    walk_in_count = RecordForm.base_fields["walk_in_count"]

    def __init__(self, *args, meeting=None, **kwargs):
        items = list(open_record_items(meeting)) if meeting is not None else []
        if meeting is not None and not args and "data" not in kwargs:  # the record as it stands, to correct
            kwargs["initial"] = {
                "summary": meeting.summary,
                "answers": meeting.answers,
                "attendance_count": meeting.attendance_count,
                "walk_in_count": meeting.walk_in_count,
                **{field: getattr(meeting, field) for field in PARTICIPATION_FIELDS},
                "suggestions": "\n".join(i.text for i in items if i.kind == "suggestion"),
                "consensus": "\n".join(i.text for i in items if i.kind == "consensus"),
            }
        super().__init__(*args, **kwargs)
        proposers = self.add_item_proposers(meeting, items)
        self.add_participation_fields()
        self.order_fields(["reason", "summary", "suggestions", *proposers])
        self.helper = self._helper()

    def clean(self):
        data = super().clean()
        self.check_participation()
        return data

    def items(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [("suggestion", t) for t in _lines(data.get("suggestions", ""))] + [
            ("consensus", t) for t in _lines(data.get("consensus", ""))
        ]


# The check-in forms: forms_checkin.py.
