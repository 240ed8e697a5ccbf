"""The pages that combine the apps, in the portal's own (root) namespace."""

from django.urls import path

from . import (
    assessment_views,
    committee_research,
    committees,
    dashboard,
    home,
    performance_views,
    public_stats,
    workspace,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("stats/", public_stats.public_stats, name="public-stats"),
    path("stats/<int:year>.csv", public_stats.public_csv, name="public-stats-csv"),
    path("stats/<int:first>-<int:last>.csv", public_stats.public_span_csv, name="public-stats-span-csv"),
    path("staff/", home.staff_home, name="staff-home"),
    path("staff/dashboard/", dashboard.dashboard, name="dashboard"),
    path("staff/dashboard/export.xlsx", dashboard.export, name="dashboard-export"),
    path("staff/dashboard/summary.docx", dashboard.summary, name="dashboard-summary"),
    path("staff/assessment/", assessment_views.assessment, name="assessment"),
    path("staff/assessment/weights/", assessment_views.assessment_weights, name="assessment-weights"),
    path("staff/assessment.xlsx", assessment_views.assessment_export, name="assessment-export"),
    path("staff/members/performance/", performance_views.performance, name="performance"),
    path("staff/members/performance.xlsx", performance_views.performance_export, name="performance-export"),
    path("staff/members/committees/", committees.committee_duties, name="committees"),
    path("staff/members/committees/research/", committee_research.research_list, name="committee-research"),
    path("staff/members/committees/research/new/", committee_research.research_new, name="committee-research-new"),
    path(
        "staff/members/committees/research/<int:pk>/",
        committee_research.research_edit,
        name="committee-research-edit",
    ),
    path("staff/documents/committees.xlsx", committees.committees_xlsx, name="committees-xlsx"),
    # The member's workspace draws on members, topics, meetings and outcomes.
    path("members/me/", workspace.me, name="workspace"),
    path("members/me/recommend/", workspace.recommend, name="workspace-recommend"),
    path("members/me/invitations/<int:pk>/answer/", workspace.answer_invitation, name="workspace-answer"),
    path("members/me/meetings/<int:pk>/", workspace.meeting, name="workspace-meeting"),
    path("members/me/meetings/<int:pk>.ics", workspace.meeting_ics, name="workspace-meeting-ics"),
]
