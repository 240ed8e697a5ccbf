from .views import checkin, platforms, public, staff

app_name = "sessions"

# Each view module lists its own routes.
urlpatterns = [*public.urls, *staff.urls, *platforms.urls, *checkin.urls]
