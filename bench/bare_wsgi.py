"""gunicorn's application for bench/http_bench.py: consult_portal.wsgi with the production settings, serving the
URLconf that ROOT_URLCONF in the environment names (bench.bare_urls: the portal's routes and the bare view)."""

import importlib
import os

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult_portal.settings")
settings.ROOT_URLCONF = os.environ.get("ROOT_URLCONF") or settings.ROOT_URLCONF
application = importlib.import_module("consult_portal.wsgi").application
