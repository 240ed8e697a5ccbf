"""The dashboard for staff and leaders, and the public statistics with their CSV (#7)."""

urlpatterns: list = []
