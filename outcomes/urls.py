from django.urls import path

from .views import anomalies, documents, exports, history, public, publishing, staff, supervision, unit

app_name = "outcomes"

urlpatterns = [
    # Residents: published results and the satisfaction survey.
    path("outcomes/", public.outcome_list, name="list"),
    path("outcomes/<int:pk>/", public.outcome_detail, name="detail"),
    path("outcomes/<int:pk>/survey/", public.survey, name="survey"),
    path("outcomes/<int:pk>/survey/thanks/", public.survey_thanks, name="survey-thanks"),
    path("outcomes/<int:pk>/poster/", public.poster, name="poster"),
    path("outcomes/<int:pk>/qr.svg", public.survey_qr, name="qr"),
    # Staff: hand-over, acceptance, publication, satisfaction, with the assignment sheets and exports.
    path("staff/history/", history.history_index, name="history"),
    path("staff/history/items/new/", history.item_new, name="history-item-new"),
    path("staff/history/items/<int:pk>/", history.item_edit, name="history-item-edit"),
    path("staff/outcomes/", staff.item_list, name="staff-list"),
    path("staff/outcomes/new/", staff.item_new, name="staff-new"),
    path("staff/outcomes/satisfaction/", staff.satisfaction_summary, name="staff-satisfaction"),
    path("staff/outcomes/satisfaction/unusual/", anomalies.anomaly_list, name="staff-anomalies"),
    path("staff/outcomes/<int:pk>/", staff.item_detail, name="staff-detail"),
    path("staff/outcomes/<int:pk>/sheet/", staff.item_sheet, name="staff-sheet"),
    path("staff/outcomes/<int:pk>/publish/", publishing.item_publish, name="staff-publish"),
    path("staff/outcomes/<int:pk>/<slug:action>/", staff.item_action, name="staff-action"),
    path("staff/outcomes/meeting/<int:pk>/", staff.meeting_items, name="staff-meeting"),
    path("staff/outcomes/meeting/<int:pk>/sheets/", staff.meeting_sheets, name="staff-meeting-sheets"),
    path("staff/documents/outcomes/<int:pk>/assignment.docx", documents.outcome_assignment, name="assignment-docx"),
    path(
        "staff/documents/meetings/<int:pk>/assignments.docx",
        documents.meeting_assignments,
        name="meeting-assignments-docx",
    ),
    path("staff/documents/outcomes.xlsx", exports.outcomes_xlsx, name="items-xlsx"),
    path("staff/documents/satisfaction-units.xlsx", exports.satisfaction_units_xlsx, name="satisfaction-units-xlsx"),
    path("staff/documents/satisfaction-towns.xlsx", exports.satisfaction_towns_xlsx, name="satisfaction-towns-xlsx"),
    # Responsible units: their own items.
    path("unit/items/", unit.item_list, name="unit-list"),
    path("unit/items/<int:pk>/", unit.item_detail, name="unit-detail"),
    path("unit/items/<int:pk>/progress/", unit.post_progress, name="unit-progress"),
    path("unit/items/<int:pk>/answer/", unit.answer, name="unit-answer"),
    # Supervising members: the items they supervise (督办).
    path("members/me/outcomes/<int:pk>/", supervision.supervise, name="supervise"),
    path("members/me/outcomes/<int:pk>/comment/", supervision.comment, name="supervise-comment"),
]
