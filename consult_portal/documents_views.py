"""The Word documents the office sends on paper, and the staff lists' .xlsx exports (#7)."""

urlpatterns: list = []
