from .views import public, staff, supervision, unit

app_name = "outcomes"

# Each view module lists its own routes: residents', staff's, responsible units' and supervising members'.
urlpatterns = [*public.urls, *staff.urls, *unit.urls, *supervision.urls]
