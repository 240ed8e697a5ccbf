from django.urls import path

from .views import codes, exports, registry

app_name = "members"

urlpatterns = [
    # Everyone: a member's duty-code page.
    path("members/code/<str:code>/", codes.code, name="code"),
    path("members/code/<str:code>/qr.png", codes.code_qr_png, name="code-qr-png"),
    path("members/code/<str:code>/qr.svg", codes.code_qr_svg, name="code-qr-svg"),
    # Staff: the registry, sinking assignments and coverage and the exports (the import is the base's, /staff/imports/).
    path("staff/members/", registry.member_list, name="list"),
    path("staff/members/new/", registry.member_edit, name="new"),
    path("staff/members/<int:pk>/", registry.member_detail, name="detail"),
    path("staff/members/<int:pk>/edit/", registry.member_edit, name="edit"),
    path("staff/members/<int:pk>/code/print/", codes.code_print, name="code-print"),
    path("staff/members/assign/", registry.bulk_assign, name="bulk-assign"),
    path("staff/members/coverage/", registry.coverage, name="coverage"),
    path("staff/members/export.xlsx", exports.export, name="export"),
    path("staff/documents/member-coverage.xlsx", exports.member_coverage_xlsx, name="coverage-xlsx"),
]
