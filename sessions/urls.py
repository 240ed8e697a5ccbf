from django.urls import path

from .views import checkin, checkin_staff, documents, exports, figure_lists, history, platforms, public, staff

app_name = "sessions"

urlpatterns = [
    # Residents: notices and the public part of records, and the check-in behind a meeting's QR code.
    path("meetings/", public.meeting_list, name="meetings"),
    path("meetings/feed.ics", public.meetings_feed, name="meetings-feed"),
    path("meetings/<int:pk>/", public.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/print/", public.meeting_print, name="meeting-print"),
    path("meetings/<int:pk>.ics", public.meeting_ics, name="meeting-ics"),
    path("meetings/checkin/<str:token>/", checkin.checkin, name="checkin"),
    # Staff: meetings, platforms and coverage, with their documents and exports.
    path("staff/meetings/", staff.meeting_list, name="staff-meetings"),
    path("staff/meetings/new/", staff.meeting_new, name="staff-meeting-new"),
    path("staff/meetings/record-items/", figure_lists.record_items, name="record-items"),
    path("staff/meetings/participants/", figure_lists.participants, name="participants"),
    path("staff/meetings/<int:pk>/", staff.meeting_detail, name="staff-meeting"),
    path("staff/meetings/<int:pk>/checkins/", checkin_staff.checkins, name="checkins"),
    path("staff/meetings/<int:pk>/checkins/<slug:action>/", checkin_staff.checkin_action, name="checkin-action"),
    path("staff/meetings/<int:pk>/<slug:action>/", staff.meeting_action, name="staff-meeting-action"),
    path("staff/history/meetings/new/", history.meeting_new, name="history-meeting-new"),
    path("staff/platforms/", platforms.platform_list, name="platforms"),
    path("staff/platforms/new/", platforms.platform_new, name="platform-new"),
    path("staff/platforms/<int:pk>/", platforms.platform_detail, name="platform-detail"),
    path("staff/platforms/<int:pk>/edit/", platforms.platform_edit, name="platform-edit"),
    path("staff/platforms/<int:pk>/members/", platforms.studio_members, name="studio-members"),
    path("staff/coverage/", platforms.coverage, name="coverage"),
    path("staff/documents/meetings/<int:pk>/notice.docx", documents.meeting_notice, name="notice-docx"),
    path("staff/documents/meetings/<int:pk>/record.docx", documents.meeting_record, name="record-docx"),
    path("staff/documents/meetings.xlsx", exports.meetings_xlsx, name="meetings-xlsx"),
    path("staff/documents/platforms.xlsx", exports.platforms_xlsx, name="platforms-xlsx"),
    path("staff/documents/coverage.xlsx", exports.coverage_xlsx, name="coverage-xlsx"),
]
