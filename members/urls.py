from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("members/me/", views.me, name="me"),
    path("members/me/recommend/", views.recommend, name="recommend"),
]
