"""The URLconf of bench/http_bench.py's gunicorn: the portal's routes unchanged, plus `/bench/bare/`, the yardstick:
a bare Django view behind the same middleware, workers and database — one one-row query, a small template (no
context processors) and the session (read, and written back as every request of a logged-in client is). Selected
by bench/bare_wsgi.py from ROOT_URLCONF in the bench's environment; consult_portal.urls is not touched."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from consult_portal import urls as portal
from consult_portal.models import Area

PAGE = engines["django"].from_string(
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>{{ area.name }}</title></head>'
    "<body><h1>{{ area.name }}</h1><p>{{ area.code }} · {{ visits }}</p></body></html>"
)


def bare(request):
    area = Area.objects.only("name", "code").order_by("pk").first()
    visits = request.session.get("bench_bare", 0) + 1
    if request.session.session_key:
        request.session["bench_bare"] = visits
    return HttpResponse(PAGE.render({"area": area, "visits": visits}))


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *portal.urlpatterns]
handler500 = portal.handler500
