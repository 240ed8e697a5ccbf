"""The member registry, sinking assignments and their coverage, for office and liaison staff."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from consult_portal import cache_versions
from consult_portal.access import can, capability_required, town_scope
from consult_portal.paging import lazy_page

from .. import selectors, services
from ..forms import AssignForm, BulkAssignForm, MemberFilterForm, MemberForm
from ..models import Member


@capability_required("members.view")
def member_list(request):
    town = town_scope(request.user)
    form = MemberFilterForm(request.GET or None, town_scope=town)
    filters = form.cleaned_data if form.is_valid() else {}
    # Read only when the rows are not kept rendered (the template's figures_cache, #17).
    page = lazy_page(Paginator(selectors.registry(town=town, filters=filters), 50), request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    can_assign = can(request.user, "members.assign")
    return render(
        request,
        "members/staff/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "assign_form": BulkAssignForm(town=town, prefix="bulk") if can_assign else None,
        },
    )


@capability_required("members.assign")
@require_POST
def bulk_assign(request):
    town = town_scope(request.user)
    form = BulkAssignForm(request.POST, town=town, prefix="bulk")
    form.fields["members"].queryset = selectors.registry(town=town).filter(is_active=True)  # only those they see
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.assignments_create(
                members=data["members"],
                area=data["area"],
                role=data["role"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d member sunk into %(place)s.", "%(count)d members sunk into %(place)s.", len(created)
                )
                % {"count": len(created), "place": data["area"]},
            )
    else:
        errors = [
            f"{form.fields[name].label if name in form.fields else ''}: {' '.join(e)}"
            for name, e in form.errors.items()
        ]
        messages.error(request, _("Nothing was assigned: %(errors)s") % {"errors": "; ".join(errors)})
    return redirect("members:list")


@capability_required("members.view")
def member_detail(request, pk: int):
    member = selectors.registry_member_for_user(request, pk)
    town = town_scope(request.user)
    form = None
    if can(request.user, "members.assign"):
        form = AssignForm(request.POST or None, town=town)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.assignments_create(members=[member], by=request.user, **data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                sunk = {"name": member.name, "place": data["area"]}
                messages.success(request, _("%(name)s is sunk into %(place)s.") % sunk)
                return redirect("members:detail", pk=pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "members/staff/detail.html",
        {"member": member, "assignments": selectors.assignments(member), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@capability_required("members.view")
def coverage(request):
    town = town_scope(request.user)
    # Every town and village with every member sunk there: kept, and its table rendered, until a write (#17).
    # Read (from the cache or the database) only when the table is not kept rendered.
    figures = SimpleLazyObject(
        lambda: cache_versions.cached("member-coverage", town, compute=lambda: selectors.coverage(town=town))
    )
    return render(request, "members/staff/coverage.html", {"figures": figures, "town": town})


@capability_required("members.change")
def member_edit(request, pk: int | None = None):
    member = selectors.registry_member_for_user(request, pk, write=True) if pk else Member()
    form = MemberForm(request.POST or None, request.FILES or None, instance=member)
    if request.method == "POST" and form.is_valid():
        member = services.member_save(
            member=form.save(commit=False), photo=form.cleaned_data["photo_upload"], by=request.user
        )
        if pk:
            messages.success(request, _("The details of %(name)s are changed.") % {"name": member.name})
        else:
            messages.success(request, _("%(name)s is added to the members.") % {"name": member.name})
        return redirect("members:detail", pk=member.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "members/staff/edit.html", {"form": form, "member": member}, status=status)
