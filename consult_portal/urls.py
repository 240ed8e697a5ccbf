from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from members import urls as members_urls

from . import (
    account_views,
    assessment_views,
    audit_views,
    committees,
    dashboard,
    documents_views,
    performance_views,
    views,
    workspace,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/home/", views.account_home, name="account-home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("staff/", views.staff_home, name="staff-home"),
    path("", include(dashboard.urlpatterns)),
    path("", include(assessment_views.urlpatterns)),
    path("", include(documents_views.urlpatterns)),
    path("", include(account_views.urlpatterns)),
    path("", include(audit_views.urlpatterns)),
    path("", include("topics.urls")),
    # One "members" namespace: the member's own workspace (here, above the apps) and the members app's pages.
    path(
        "",
        include(
            (
                [
                    *workspace.urlpatterns,
                    *performance_views.urlpatterns,
                    *committees.urlpatterns,
                    *members_urls.urlpatterns,
                ],
                "members",
            )
        ),
    ),
    path("", include("sessions.urls")),
    path("", include("outcomes.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler500 = "consult_portal.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
