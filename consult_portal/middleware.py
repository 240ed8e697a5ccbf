from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from . import audit
from .views import request_too_large


class CookieLocaleMiddleware:
    """Chinese by default; the language switch (a cookie) is the only way to English.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most office
    machines ship with an English browser: the portal must still speak Chinese to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class SecurityHeadersMiddleware:
    """The security headers on every response, static files and error pages included.

    First in MIDDLEWARE, so it also sees what WhiteNoise serves and the 404/500 pages. Headers a view set
    itself win (setdefault).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": settings.PORTAL_CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": settings.X_FRAME_OPTIONS,
            "Referrer-Policy": settings.SECURE_REFERRER_POLICY,
        }

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            if value:
                response.headers.setdefault(name, value)
        return response


class PasswordChangeRequiredMiddleware:
    """A user whose password was chosen by staff goes to the password change page until they replace it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password and not self._exempt(request):
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        path = request.path_info
        if path in {reverse(name) for name in ("password_change", "password_change_done", "logout", "set_language")}:
            return True
        prefixes = ["/" + settings.STATIC_URL.lstrip("/"), "/" + settings.MEDIA_URL.lstrip("/")]
        return any(path.startswith(prefix) for prefix in prefixes)


def reject_nul_in_path(get_response):
    """A NUL character in the path is a 404 before any view runs: PostgreSQL cannot take one even to compare
    it, so a code looked up from the URL would fail with a 500 (found by tests/portal/test_fuzz_public.py)."""

    def middleware(request):
        if "\x00" in request.path:
            raise Http404
        return get_response(request)

    return middleware


class AuditContextMiddleware:
    """The request's address reaches every audit entry written while it is answered, whether or not the service is
    handed the request (`audit.address`); a refusal (403) of a signed-in user is itself an entry.

    Early in MIDDLEWARE, so that it also sees the refusals of the CSRF check and of the views' own 403 pages. A visitor
    who is not signed in is sent to the login page instead, and writes nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.address(audit.client_ip(request)):
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if response.status_code == 403 and user is not None and user.is_authenticated:
                audit.record(
                    actor=user,
                    action="access_refused",
                    after={"method": request.method, "path": request.path[:300]},
                    request=request,
                )
        return response


def limit_request_body(get_response):
    """A request whose body is over REQUEST_BODY_MAX_BYTES (three photos at the limit and a form's text) gets the
    413 page before a byte of the body is read: no form, upload handler or rate limit ever sees it. nginx refuses
    the same with `client_max_body_size` and shows the same page (README "Request bodies")."""

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body of a request whose length it cannot read either
        if length > settings.REQUEST_BODY_MAX_BYTES:
            return request_too_large(request)
        return get_response(request)

    return middleware
