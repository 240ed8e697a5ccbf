from .views import codes, imports, registry

# Each view module lists its own routes. consult_portal.urls mounts them in the "members" namespace,
# together with the member's own workspace (/members/me/), which lives in consult_portal.workspace
# because it combines members, topics and meetings.
urlpatterns = [*registry.urls, *imports.urls, *codes.urls]
