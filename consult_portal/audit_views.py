"""The audit viewer for office staff: filters and .xlsx export (#8)."""

urlpatterns: list = []
