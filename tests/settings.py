"""Test settings: the real settings with test-only switches. Services come from DATABASE_URL / REDIS_URL."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "insecure-test-only-key-not-for-production")

from consult_portal.settings import *  # noqa: F403
from consult_portal.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="consult-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="consult-static-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "consult_portal.sms.LocmemBackend"
# The ordinary suite runs tasks in-process; the worker tests switch to the Redis broker themselves.
CELERY_TASK_ALWAYS_EAGER = True
# Rate limits and other cache state must not leak between tests or runs.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# One process: the cached figures (consult_portal/cache_versions.py) are on, as with Redis in production.
FIGURES_CACHE = True
# The test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# The test client's login() calls authenticate() without a request, which django-axes refuses; this stand-in
# gives it an empty one, so lock-out stays on for every test (tests/portal/test_lockout.py logs in by the form).
AUTHENTICATION_BACKENDS = [
    "tests.settings.AxesBackendForTestClient",
    "consult_portal.logins.AccountGuardBackend",
    "django.contrib.auth.backends.ModelBackend",
]


class AxesBackendForTestClient:
    def authenticate(self, request, **credentials):
        from axes.backends import AxesStandaloneBackend
        from django.http import HttpRequest

        return AxesStandaloneBackend().authenticate(request or HttpRequest(), **credentials)
