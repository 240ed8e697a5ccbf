import re
import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _

from consult_portal import office
from consult_portal.forms import CleanTextMixin, DateInput, SearchSelect
from consult_portal.models import Area, ResponsibleUnit
from consult_portal.phones import MobilePhoneField
from consult_portal.photo_fields import MultiplePhotoField, PhotoFormMixin

from .models import ConsultationPlan, PlanEntry, Topic
from .selectors import merge_candidates


class VillageSelect(forms.Select):
    """Each village option carries its town, so the list can follow the town choice."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-town"] = instance.parent_id
        return option


def towns():
    return Area.objects.filter(level=Area.Level.TOWN).order_by("code")


COUNTY = "county"  # the town select's value for a county-level topic (Topic.town empty)


def county_label() -> str:
    words = office.current()
    return _now("%(whole)s (a %(level)s topic)") % {"whole": words.whole_county_word, "level": words.county_level_word}


class _TownsWithCounty(ModelChoiceIterator):
    """The towns, after the empty choice and the county itself."""

    def __iter__(self):
        choices = super().__iter__()
        if self.field.empty_label is not None:
            yield next(choices)
        if self.field.with_county:
            yield (COUNTY, county_label())
        yield from choices

    def __len__(self):
        return super().__len__() + (1 if self.field.with_county else 0)


class TownOrCountyField(forms.ModelChoiceField):
    """A town or street, or the county itself (the office's words: "全区（区级议题）"), cleaned to None. Liaison
    staff, who work for one town, are not offered the county (`with_county = False`)."""

    iterator = _TownsWithCounty
    with_county = True

    def clean(self, value):
        if self.with_county and value == COUNTY:
            return None
        return super().clean(value)


def check_village_in_town(form: forms.BaseForm, data: dict) -> None:
    village, town = data.get("village"), data.get("town")
    if village and town and village.parent_id != town.pk:
        form.add_error("village", _("This village is not in the town you chose."))
    if village and "town" in data and town is None:
        form.add_error("village", _("A county-level topic has no village: leave the village empty."))


class PlaceModelForm(CleanTextMixin, forms.ModelForm):
    """A topic form with a town (limited to the user's own, for liaison staff) and a village of that town;
    the village list follows the town choice (static/js/village-select.js)."""

    def __init__(self, *args, town_scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["town"]
        self.fields["town"] = TownOrCountyField(
            queryset=towns() if town_scope is None else towns().filter(pk=town_scope.pk),
            label=field.label,
            empty_label=_("Choose"),
        )
        self.fields["town"].with_county = town_scope is None
        self.fields["village"].queryset = Area.objects.filter(level=Area.Level.VILLAGE).order_by("code")
        self.fields["village"].widget = VillageSelect(choices=self.fields["village"].choices)

    def clean(self):
        data = super().clean()
        check_village_in_town(self, data)
        return data


class SuggestTopicForm(PhotoFormMixin, CleanTextMixin, forms.Form):
    """群众出题: the public form. Everything a resident types is kept when something is wrong; the photos are
    decoded only once everything else is right (PhotoFormMixin)."""

    title = forms.CharField(
        label=_("Title"), max_length=100, help_text=_("In one sentence: what should be talked over?")
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is the problem, where, and since when? At most 2,000 characters."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Topic.Category.choices, widget=forms.RadioSelect)
    town = TownOrCountyField(label=_("Town or street"), queryset=Area.objects.none(), empty_label=_("Choose"))
    village = forms.ModelChoiceField(
        label=_("Village or community"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Not sure / the whole town"),
        widget=VillageSelect,
    )
    photos = MultiplePhotoField(label=_("Photos"), required=False, help_text=_("Up to 3 photos, at most 5 MB each."))
    name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    phone = MobilePhoneField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        help_text=_("Optional. Leave it if you want an SMS when your topic moves on."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label=_("I agree that the office keeps my name and phone number to tell me of progress."),
        required=False,
    )
    # A field people never see: bots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=36)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns()
        self.fields["village"].queryset = (
            Area.objects.filter(level=Area.Level.VILLAGE).select_related("parent").order_by("code")
        )
        if not self.is_bound:
            self.initial["submission_key"] = str(uuid.uuid4())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Your topic"), "title", "description", Field("category")),
            Fieldset(_("Where"), "town", Field("village", css_class="js-village")),
            Fieldset(_("Photos"), "photos"),
            Fieldset(_("How to reach you"), "name", "phone", "consent"),
            Div("website", css_class="hp-field", aria_hidden="true"),
            "submission_key",
        )

    def clean_submission_key(self):
        key = self.cleaned_data["submission_key"]
        try:
            return str(uuid.UUID(key))
        except ValueError:
            raise ValidationError(_("The form has expired. Please submit it again."), code="key") from None

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("The submission could not be accepted."), code="honeypot")
        if data.get("phone") and not data.get("consent"):
            self.add_error("consent", _("Tick this box to leave your phone number, or leave the number out."))
        check_village_in_town(self, data)
        return data


class TrackForm(CleanTextMixin, forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_code(self):
        return re.sub(r"[\s-]", "", self.cleaned_data["code"]).upper()


class PartyTopicForm(PlaceModelForm):
    """党政点题 entered by office staff."""

    class Meta:
        model = Topic
        fields = [
            "title",
            "description",
            "category",
            "town",
            "village",
            "requesting_body",
            "document_number",
            "requested_on",
            "year",
        ]
        widgets = {
            "requested_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requesting_body"].required = True
        self.fields["requested_on"].required = True
        self.initial.setdefault("year", timezone.localdate().year)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save topic")))


class RecommendTopicForm(PlaceModelForm):
    """委员荐题 from the member's workspace."""

    class Meta:
        model = Topic
        fields = ["title", "description", "category", "town", "village", "reasons", "evidence"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "reasons": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].required = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Recommend topic")))


class ReasonForm(CleanTextMixin, forms.Form):
    public_note = forms.CharField(
        label=_("Reason shown to the submitter"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    internal_note = forms.CharField(
        label=_("Internal note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(CleanTextMixin, forms.Form):
    public_note = forms.CharField(
        label=_("Note shown to the submitter"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    internal_note = forms.CharField(
        label=_("Internal note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(CleanTextMixin, forms.Form):
    public_note = forms.CharField(
        label=_("Note shown to the submitter"),
        max_length=1000,
        help_text=_("What came of the consultation, since it handed over no outcome items."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    internal_note = forms.CharField(
        label=_("Internal note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VisitForm(CleanTextMixin, forms.Form):
    internal_note = forms.CharField(label=_("Visit notes"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    public_note = forms.CharField(
        label=_("Note shown to the submitter"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeTargetField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} · {obj.tracking_code} · {obj.get_status_display()}"


class MergeForm(CleanTextMixin, forms.Form):
    """Merging picks the topic that goes on from a list to type into (title or tracking code): the other open topics
    of the same town (`selectors.merge_candidates`)."""

    target = MergeTargetField(
        label=_("Topic to merge into"),
        queryset=Topic.objects.none(),
        empty_label=_("Choose"),
        widget=SearchSelect(attrs={"data-search-placeholder": _("Type a title or a tracking code")}),
        help_text=_("Other open topics of the same town, newest first."),
    )
    public_note = forms.CharField(
        label=_("Note shown to the submitter"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, topic=None, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic, self.scope = topic, scope
        if topic is not None:
            self.fields["target"].queryset = merge_candidates(topic)


class ForwardForm(CleanTextMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=ResponsibleUnit.objects.order_by("name"))
    public_note = forms.CharField(
        label=_("Note shown to the submitter"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlanEntryForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = PlanEntry
        fields = ["topic", "quarter", "platform_level"]

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics if topics is not None else Topic.objects.none()
        self.fields["topic"].label_from_instance = lambda topic: f"{topic.title} · {topic.town_name} · {topic.year}"


class PlanApproveForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = ConsultationPlan
        fields = ["approved_by", "approved_on", "document_number"]
        widgets = {"approved_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True
