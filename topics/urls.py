from django.urls import path

from .views import exports, public, publishing, staff

app_name = "topics"

urlpatterns = [
    path("topics/suggest/", public.suggest, name="suggest"),
    path("topics/receipt/<str:code>/", public.receipt, name="receipt"),
    path("topics/track/", public.track, name="track"),
    path("topics/track/<str:code>/", public.track_detail, name="track-detail"),
    path("topics/track/<str:code>/qr.svg", public.track_qr, name="track-qr"),
    path("topics/plan/<int:year>/", public.plan, name="plan"),
    path("staff/topics/", staff.topic_list, name="staff-list"),
    path("staff/topics/new/", staff.party_topic_new, name="staff-new"),
    path("staff/topics/<int:pk>/", staff.topic_detail, name="staff-detail"),
    path("staff/topics/<int:pk>/<slug:action>/", staff.topic_action, name="staff-action"),
    path("staff/plans/", staff.plan_current, name="plan-current"),
    path("staff/plans/<int:year>/", staff.plan_manage, name="plan-manage"),
    path("staff/plans/<int:year>/publish/", publishing.plan_publish, name="plan-publish"),
    path("staff/documents/topics.xlsx", exports.topics_xlsx, name="topics-xlsx"),
    path("staff/documents/plan-<int:year>.xlsx", exports.plan_xlsx, name="plan-xlsx"),
]
