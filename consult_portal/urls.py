"""The URLconf: the base's own routes, then each app's namespace, then the pages that combine the apps.

Every app declares its routes the same way: one `urls.py` with `app_name` and a flat `urlpatterns` list that
names each view; view modules hold no routes.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import account_views, audit_views, import_views, media, office_views, preferences, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # nginx's `error_page 413` target: its refusal of a body over client_max_body_size shows the portal's page.
    path("request-too-large", views.request_too_large, name="request-too-large"),
    # Before Django's own routes: the reset mail links to PORTAL_BASE_URL, not to the request's Host.
    path("accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    # Django's account pages, the two that set a password audited (they come first, so they answer their paths).
    path("accounts/password_change/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/home/", views.account_home, name="account-home"),
    path("accounts/notifications/", preferences.notification_settings, name="notification-settings"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("staff/accounts/locked/", account_views.locked_logins, name="accounts-locked"),
    path("staff/audit/", audit_views.audit_log, name="audit"),
    path("staff/audit/export.xlsx", audit_views.audit_export, name="audit-export"),
    # The office's imports: each registered by its app (consult_portal.imports), with one template, upload, confirm.
    path("staff/imports/", import_views.index, name="imports"),
    path("staff/imports/<slug:kind>/", import_views.upload, name="import-upload"),
    path("staff/imports/<slug:kind>/template.xlsx", import_views.template, name="import-template"),
    path("staff/imports/<slug:kind>/confirm/", import_views.confirm, name="import-confirm"),
    path("staff/settings/", office_views.office_settings, name="office-settings"),
    path("", include("members.urls")),
    path("", include("topics.urls")),
    path("", include("sessions.urls")),
    path("", include("outcomes.urls")),
    path("", include("consult_portal.overview.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler500 = "consult_portal.views.server_error"

# Uploaded files, in development and production alike: each only to whoever may see its object (consult_portal.media).
urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve, name="media"))
