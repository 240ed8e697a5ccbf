"""考核: the yearly assessment of the liaison stations and its ranking (#7)."""

urlpatterns: list = []
