from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult_portal.forms import CleanTextMixin, DateInput, ListFilterForm
from consult_portal.models import Area, Committee, Sector, in_town
from consult_portal.periods import PeriodField
from consult_portal.phones import MobilePhoneField
from consult_portal.photo_fields import PhotoField, PhotoFormMixin

from .models import Assignment, Member


class MemberFilterForm(ListFilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", "—"), *Member.Level.choices])
    sector = forms.ModelChoiceField(label=_("Sector"), required=False, queryset=Sector.objects.order_by("name"))
    committee = forms.ModelChoiceField(
        label=_("Special committee"), required=False, queryset=Committee.objects.order_by("name")
    )
    town = forms.ModelChoiceField(label=_("Sunk into town"), required=False, queryset=Area.objects.none())
    active_in = PeriodField(label=_("Active in (year)"))
    took_part = forms.BooleanField(label=_("Took part"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["took_part"].widget.attrs["class"] = "form-check-input"


def places(town=None):
    areas = Area.objects.filter(level__in=[Area.Level.TOWN, Area.Level.VILLAGE]).select_related("parent")
    areas = areas.order_by("code")
    return areas if town is None else areas.filter(in_town(town, ""))


class AssignForm(CleanTextMixin, forms.Form):
    """Sink one member, or the members ticked in the list, into a town or village."""

    area = forms.ModelChoiceField(label=_("Town or village"), queryset=Area.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Assignment.Role.choices)
    starts_on = forms.DateField(label=_("Start date"), widget=DateInput())
    ends_on = forms.DateField(label=_("End date"), required=False, widget=DateInput())

    def __init__(self, *args, town=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = places(town)
        self.fields["area"].label_from_instance = Area.label.fget
        self.initial.setdefault("starts_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The assignment must end after it starts."))
        return data


class BulkAssignForm(AssignForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=Member.objects.filter(is_active=True), widget=forms.CheckboxSelectMultiple
    )


class MemberForm(PhotoFormMixin, CleanTextMixin, forms.ModelForm):
    """A member's registry entry; the photo is checked and resized like every upload, decoded last."""

    photo_upload = PhotoField(label=_("Photo"), required=False)

    class Meta:
        model = Member
        fields = [
            "name",
            "level",
            "sector",
            "committee",
            "expertise",
            "phone",
            "term_start",
            "term_end",
            "is_active",
            "user",
        ]
        widgets = {
            "term_start": DateInput(),
            "term_end": DateInput(),
        }
        field_classes = {"phone": MobilePhoneField}

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        from consult_portal.models import Role

        super().__init__(*args, **kwargs)
        # A login of the member role, not yet linked to another member.
        logins = get_user_model().objects.filter(groups__name=Role.MEMBER, is_active=True)
        logins = (
            logins.filter(Q(member__isnull=True) | Q(member=self.instance.pk))
            if self.instance.pk
            else logins.filter(member__isnull=True)
        )
        self.fields["user"].queryset = logins.order_by("username")
        self.fields["user"].label_from_instance = lambda user: f"{user.username} {user.get_full_name()}".strip()

    def clean(self):
        data = super().clean()
        if data.get("term_start") and data.get("term_end") and data["term_end"] < data["term_start"]:
            self.add_error("term_end", _("The term must end after it starts."))
        return data
