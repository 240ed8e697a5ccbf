"""The platform registry, its "五有" check, and the coverage of towns and villages; leaders read."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consult_portal import cache_versions, office
from consult_portal.access import can, capability_required, town_scope
from consult_portal.forms import CleanTextMixin, ListFilterForm
from consult_portal.models import Area
from consult_portal.paging import lazy_page
from members.models import Member

from .. import selectors_platforms as selectors
from .. import services_platforms as services
from ..forms_platforms import PlatformForm
from ..models import Platform

PAGE_SIZE = 25


class PlatformFilterForm(ListFilterForm):
    q = forms.CharField(label=gettext_lazy("Search by name"), required=False, max_length=100)
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False, choices=[("", "—"), *Platform.Level.choices])
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=[("", "—"), *Platform.Kind.choices])
    town = forms.ModelChoiceField(label=gettext_lazy("Town or street"), required=False, queryset=Area.objects.none())
    pilot = forms.BooleanField(label=gettext_lazy("Pilots only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pilot"].widget.attrs["class"] = "form-check-input"


class YearForm(CleanTextMixin, forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["class"] = "form-control form-control-sm"


def _can_edit(user) -> bool:
    return can(user, "meetings.change")


@capability_required("meetings.view")
def platform_list(request):
    town = town_scope(request.user)
    form = PlatformFilterForm(request.GET or None, town_scope=town)
    data = form.cleaned_data if form.is_valid() else {}
    platforms = selectors.staff_platforms(town=town, filters=data, search=data.get("q", ""))
    # Both read only when the rows are not kept rendered (the template's figures_cache, #17).
    page = lazy_page(Paginator(platforms, PAGE_SIZE), request.GET.get("page"))
    rows = SimpleLazyObject(lambda: [(platform, selectors.five_haves(platform)) for platform in page.object_list])
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "sessions/staff/platform_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query,
            "town": town,
            "can_edit": _can_edit(request.user),
        },
    )


@capability_required("meetings.change")
@require_POST
def studio_members(request, pk: int):
    """Add a member to a studio, or take one out."""
    platform = selectors.platform_for_user(request, pk, write=True)
    member = Member.objects.filter(pk=request.POST.get("member"), is_active=True).first()
    if platform.kind != Platform.Kind.STUDIO or member is None:
        raise Http404
    present = request.POST.get("action") == "add"
    services.studio_member_set(platform=platform, member=member, present=present, by=request.user)
    names = {"member": member.name, "platform": platform.name}
    if present:
        messages.success(request, _("%(member)s works in %(platform)s now.") % names)
    else:
        messages.success(request, _("%(member)s is taken out of %(platform)s.") % names)
    return redirect("sessions:platform-detail", pk=pk)


@capability_required("meetings.view")
def platform_detail(request, pk: int):
    platform = selectors.platform_for_user(request, pk)
    return render(
        request,
        "sessions/staff/platform_detail.html",
        {
            "platform": platform,
            "five": selectors.five_haves(platform),
            "meetings": selectors.recent_meetings(platform),
            "can_edit": _can_edit(request.user),
            "studio_members": platform.studio_members.select_related("sector").order_by("name")
            if platform.kind == Platform.Kind.STUDIO
            else None,
            "member_choices": Member.objects.filter(is_active=True).exclude(studios=platform).order_by("name")
            if platform.kind == Platform.Kind.STUDIO and _can_edit(request.user)
            else None,
        },
    )


def _save(request, form: PlatformForm, platform: Platform | None):
    """Write through the service; a refused write becomes form errors and the page is shown again."""
    fields = {name: form.cleaned_data[name] for name in services.PLATFORM_FIELDS}
    try:
        if platform is None:
            return services.platform_create(by=request.user, request=request, **fields)
        return services.platform_update(platform=platform, by=request.user, request=request, **fields)
    except ValidationError as error:
        form.add_error(None, error)
        return None


def _form_page(request, form: PlatformForm, platform: Platform | None, saved_name: str = ""):
    return render(
        request,
        "sessions/staff/platform_form.html",
        {"form": form, "platform": platform, "saved_name": saved_name},
        status=400 if request.method == "POST" else 200,
    )


@capability_required("meetings.change")
def platform_new(request):
    form = PlatformForm(request.POST or None, town=town_scope(request.user))
    if request.method == "POST" and form.is_valid():
        platform = _save(request, form, None)
        if platform is not None:
            messages.success(request, _("Platform “%(name)s” is added.") % {"name": platform.name})
            return redirect("sessions:platform-detail", pk=platform.pk)
    return _form_page(request, form, None)


@capability_required("meetings.change")
def platform_edit(request, pk: int):
    platform = selectors.platform_for_user(request, pk, write=True)
    saved_name = platform.name  # the form writes what was typed onto the instance
    form = PlatformForm(request.POST or None, instance=platform, town=town_scope(request.user))
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, platform)
        if saved is not None:
            messages.success(request, _("Platform “%(name)s” is changed.") % {"name": saved.name})
            return redirect("sessions:platform-detail", pk=saved.pk)
    return _form_page(request, form, platform, saved_name)


def coverage_year(request):
    """(form, year): the year the coverage page and its .xlsx export count meetings in, this year by default."""
    this_year = timezone.localdate().year
    form = YearForm(request.GET if "year" in request.GET else None, initial={"year": this_year})
    return form, (form.cleaned_data["year"] if form.is_valid() else this_year)


@capability_required("meetings.view")
def coverage(request):
    town = town_scope(request.user)
    form, year = coverage_year(request)
    target = office.current().meetings_per_town_target
    # Read (from the kept figures or the database) only when the table is not kept rendered (the template's
    # figures_cache, #17).
    figures = SimpleLazyObject(lambda: _coverage_figures(year=year, town=town, target=target))
    context = {"form": form, "year": year, "town": town, "target": target, "figures": figures}
    return render(request, "sessions/staff/coverage.html", context)


def _coverage_figures(*, year: int, town, target: int) -> dict:
    def counted():
        rows = list(selectors.coverage(year=year, town=town))
        # The county's own platforms and meetings: a row of their own, so that towns + county = the whole county.
        county = selectors.county_coverage(year=year) if town is None else {"platform_count": 0, "meeting_count": 0}
        return rows, county

    # Per area and year, a count over every platform and meeting: kept until a write changes them (#17).
    rows, county = cache_versions.cached("coverage", year, town, compute=counted)
    towns = [row for row in rows if row.level == Area.Level.TOWN]
    for row in rows:
        row.below_target = row.level == Area.Level.TOWN and selectors.below_target(row.meeting_count, target)
    return {
        "rows": rows,
        "towns_below_target": sum(1 for row in towns if row.below_target),
        "town_count": len(towns),
        "county": county if town is None else None,
        "total_meetings": sum(row.meeting_count for row in towns) + county["meeting_count"],
        "total_platforms": sum(row.platform_count for row in towns) + county["platform_count"],
    }
