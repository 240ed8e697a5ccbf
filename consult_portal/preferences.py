"""Each user's notification settings (/accounts/notifications/): email on or off, SMS on or off with the mobile it
goes to, and new residents' topics one by one or in one daily message. The in-app notice always comes.

`consult_portal.notifications.tell_users` and the reminder scans read these settings through `preferences` and
`channels_for`; the daily digest of new topics (topics/digest.py) reads `topic_digest`.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import audit
from .forms import CleanTextMixin
from .models import NotificationPreference, Role
from .phones import MobilePhoneField
from .privacy import mask_phone

FIELDS = ["email", "sms", "phone", "topic_digest"]


def gets_new_topics(user) -> bool:
    """Whether the user is told of new residents' topics (office and liaison staff), and so may take the digest."""
    return user.has_role(Role.OFFICE, Role.LIAISON)


class PreferenceForm(CleanTextMixin, forms.Form):
    email = forms.BooleanField(
        label=gettext_lazy("Email me as well as the notice in the portal"),
        required=False,
        help_text=gettext_lazy("To the address of your account."),
    )
    sms = forms.BooleanField(label=gettext_lazy("Send me an SMS as well"), required=False)
    phone = MobilePhoneField(
        label=gettext_lazy("Mobile number for SMS"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    topic_digest = forms.BooleanField(
        label=gettext_lazy("New residents' topics: one message a day listing them"),
        required=False,
        help_text=gettext_lazy("Instead of one message for each new topic."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not gets_new_topics(user):
            del self.fields["topic_digest"]
        if not user.email:
            self.fields["email"].help_text = _("Your account has no email address: ask the office to add one.")

    def clean(self):
        data = super().clean()
        if data.get("sms") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Give the mobile number the SMS should go to."))
        return data


def _snapshot(preference: NotificationPreference) -> dict:
    data = audit.snapshot(preference, FIELDS)
    data["phone"] = mask_phone(preference.phone)
    return data


@transaction.atomic
def preferences_save(*, user, email: bool, sms: bool, phone: str = "", topic_digest: bool = False, request=None):
    """Save how `user` wants to hear of things; audited (the phone masked)."""
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    before = _snapshot(preference)
    preference.email, preference.sms, preference.phone = email, sms, phone if sms else ""
    preference.topic_digest = topic_digest and gets_new_topics(user)
    preference.save()
    audit.record(
        actor=user,
        action="notification_preferences",
        obj=user,
        before=before,
        after=_snapshot(preference),
        request=request,
    )
    return preference


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    current = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference()
    initial = {name: getattr(current, name) for name in FIELDS}
    form = PreferenceForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        preferences_save(
            user=request.user,
            email=data["email"],
            sms=data["sms"],
            phone=data.get("phone") or "",
            topic_digest=data.get("topic_digest", False),
            request=request,
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification-settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/notification_settings.html", {"form": form}, status=status)
