"""Account security pages: the forced change of an initial password, and unlocking locked-out logins (#8)."""

urlpatterns: list = []
