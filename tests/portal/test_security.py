"""Accounts, sessions and web hardening (#8): passwords, the forced change of an initial password, idle sessions,
logout everywhere, production settings, security headers, the content security policy and uploads."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import path
from django.utils import timezone

from consult_portal import demo
from consult_portal.images import clean_image
from consult_portal.models import AuditEntry, User
from consult_portal.passwords import CharacterMixValidator
from consult_portal.urls import urlpatterns as portal_urlpatterns
from tests.factories import MemberFactory, UserFactory
from tests.topics.conftest import photo, suggestion  # noqa: F401 - suggestion is a fixture
from topics.models import TopicPhoto

ROOT = Path(__file__).resolve().parents[2]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7-" + "k" * 60 + "-production-like-secret-for-the-check-only",
    "ALLOWED_HOSTS": "consult.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://consult.example.gov.cn",
}
CHANGE = "/accounts/password_change/"


def _boom(request):
    raise RuntimeError("a failing view")


# The portal's URLs plus a failing view, for the header tests.
urlpatterns = [*portal_urlpatterns, path("test-boom/", _boom)]


# Passwords


@pytest.mark.parametrize(
    "password",
    ["Lamp-Post-2026!", "lamppost-2026", "LAMPPOST2026x", "路灯坏了三个月Lamp2026"],
)
def test_it_accepts_long_passwords_that_mix_three_kinds_of_character(password):
    validate_password(password)


@pytest.mark.parametrize(
    "password",
    ["lamppostlamppost", "lamppost20262026", "LAMPPOST-LAMPPOST", "Short-1a"],
)
def test_it_refuses_short_or_uniform_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_the_mix_validator_explains_itself_in_chinese():
    # needs .pending_i18n/security.json
    with pytest.raises(ValidationError) as refused:
        CharacterMixValidator().validate("lamppostlamppost")
    assert "至少包含" in refused.value.messages[0]
    assert "3" in refused.value.messages[0]


def test_the_password_change_form_refuses_a_uniform_password(client, office):
    client.force_login(office)
    response = client.post(
        CHANGE,
        {"old_password": "Correct-Horse-42", "new_password1": "lamppostlamppost", "new_password2": "lamppostlamppost"},
    )
    assert response.status_code == 200
    assert User.objects.get(pk=office.pk).check_password("Correct-Horse-42")


# The forced change of a password chosen by staff


def _admin_add_user(client, username="newclerk"):
    return client.post(
        "/admin/portal/user/add/",
        {
            "username": username,
            "usable_password": "true",
            "password1": "Initial-Pass-2026",
            "password2": "Initial-Pass-2026",
        },
    )


def test_a_user_the_office_adds_in_the_admin_must_change_the_password(client, office):
    client.force_login(office)
    assert _admin_add_user(client).status_code == 302
    assert User.objects.get(username="newclerk").must_change_password


def test_a_password_the_office_sets_for_someone_else_must_be_changed_and_is_audited(client, office, liaison_a):
    client.force_login(office)
    response = client.post(
        f"/admin/portal/user/{liaison_a.pk}/password/",
        {"usable_password": "true", "password1": "Reset-By-Office-9", "password2": "Reset-By-Office-9"},
    )
    assert response.status_code == 302
    liaison_a.refresh_from_db()
    assert liaison_a.must_change_password
    assert liaison_a.check_password("Reset-By-Office-9")
    assert AuditEntry.objects.filter(action="admin_set_password", actor=office, object_id=str(liaison_a.pk)).exists()


def test_the_office_changing_its_own_password_in_the_admin_is_not_forced_again(client, office):
    client.force_login(office)
    client.post(
        f"/admin/portal/user/{office.pk}/password/",
        {"usable_password": "true", "password1": "Own-Choice-2026x", "password2": "Own-Choice-2026x"},
    )
    office.refresh_from_db()
    assert office.check_password("Own-Choice-2026x")
    assert not office.must_change_password


def test_a_user_with_an_initial_password_is_sent_to_the_change_page_until_they_change_it(client, town_a):
    user = UserFactory(username="clerk", role="liaison", town=town_a)
    user.set_initial_password("Initial-Pass-2026")
    user.save()
    client.force_login(user)
    for url in ["/staff/", "/accounts/home/", "/topics/", "/inbox/"]:
        assert client.get(url)["Location"] == CHANGE, url
    assert client.post("/inbox/read-all/")["Location"] == CHANGE
    page = client.get(CHANGE)
    assert page.status_code == 200
    assert "must_change_password" not in page.content.decode()
    response = client.post(
        CHANGE,
        {"old_password": "Initial-Pass-2026", "new_password1": "Mine-Only-2026!", "new_password2": "Mine-Only-2026!"},
    )
    assert response["Location"] == "/accounts/password_change/done/"
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/staff/").status_code == 200


def test_the_change_page_says_why_in_chinese(client, office):
    # needs .pending_i18n/security.json
    office.set_initial_password("Initial-Pass-2026")
    office.save()
    client.force_login(office)
    assert "请先修改" in client.get(CHANGE).content.decode()


def test_logout_static_files_and_the_language_switch_stay_open_before_the_change(client, office):
    office.set_initial_password("Initial-Pass-2026")
    office.save()
    client.force_login(office)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"})["Location"] == "/"
    assert client.get("/accounts/password_change/done/").status_code == 200
    assert client.get("/static/css/portal.css").status_code != 302
    assert client.post("/accounts/logout/")["Location"] == "/"


def test_the_demo_logins_are_exempt(db):
    stale = UserFactory(username="office")
    User.objects.filter(pk=stale.pk).update(must_change_password=True)
    users = demo.ensure_logins()
    assert users and not any(user.must_change_password for user in users.values())
    assert not User.objects.filter(username__in=users, must_change_password=True).exists()


# Sessions


def test_a_session_ends_after_thirty_idle_minutes_but_not_while_in_use(client, office, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(office)
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=25), tick=False):
        assert client.get("/staff/").status_code == 200  # active: the clock starts again
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=81), tick=False):
        assert client.get("/staff/")["Location"].startswith("/accounts/login/")


def test_changing_the_password_logs_out_every_other_session(office):
    here, elsewhere = Client(), Client()
    here.force_login(office)
    elsewhere.force_login(office)
    assert elsewhere.get("/staff/").status_code == 200
    response = here.post(
        CHANGE,
        {"old_password": "Correct-Horse-42", "new_password1": "Lamp-Post-2026!", "new_password2": "Lamp-Post-2026!"},
    )
    assert response.status_code == 302
    assert here.get("/staff/").status_code == 200  # the session that changed it stays
    assert elsewhere.get("/staff/")["Location"].startswith("/accounts/login/")


# Production settings


def _clean_env(**extra):
    return {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **PRODUCTION, **extra}


def _production_settings(**extra) -> dict:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_SECURE',"
        "'CSRF_COOKIE_HTTPONLY', 'LANGUAGE_COOKIE_SECURE', 'LANGUAGE_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_AGE', 'AXES_FAILURE_LIMIT',"
        "'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'PORTAL_CONTENT_SECURITY_POLICY']}"
        ", default=str))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=_clean_env(DJANGO_SETTINGS_MODULE="consult_portal.settings", **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deployment_checks_pass_with_only_the_four_required_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(DJANGO_SETTINGS_MODULE="consult_portal.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_defaults_are_https_only_with_secure_httponly_cookies():
    values = _production_settings()
    assert values["DEBUG"] is False
    for name in [
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_HTTPONLY",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_CONTENT_TYPE_NOSNIFF",
    ]:
        assert values[name] is True, name
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SESSION_COOKIE_AGE"] == 1800
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["PORTAL_CONTENT_SECURITY_POLICY"] == CSP


def test_each_https_setting_is_switchable_by_the_environment():
    values = _production_settings(
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        LANGUAGE_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_HSTS_PRELOAD="0",
        LOGIN_FAILURE_LIMIT="8",
    )
    for name in [
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    ]:
        assert values[name] is False, name
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["AXES_FAILURE_LIMIT"] == 8


def test_cookies_are_httponly_and_secure_when_configured(client, office, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = True
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": "office1", "password": "Correct-Horse-42"})
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["secure"] and session["samesite"] == "Lax"
    csrf = client.get("/accounts/login/").cookies.get(settings.CSRF_COOKIE_NAME) or response.cookies.get(
        settings.CSRF_COOKIE_NAME
    )
    assert csrf["httponly"] and csrf["secure"]
    language = client.post("/i18n/setlang/", {"language": "en"}).cookies[settings.LANGUAGE_COOKIE_NAME]
    assert language["httponly"] and language["secure"]


# Headers


def _assert_hardened(response):
    assert response["Content-Security-Policy"] == CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.urls(__name__)
def test_every_kind_of_response_carries_the_security_headers(office, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    member = MemberFactory(photo=photo())  # an active member's photo: public, like their duty-code page
    browser = Client(raise_request_exception=False)
    responses = {
        "home": browser.get("/"),
        "404": browser.get("/no-such-page/"),
        "500": browser.get("/test-boom/"),
        "static": browser.get("/static/css/portal.css"),
        "media": browser.get(member.photo.url),
        "login": browser.get("/accounts/login/"),
        "redirect": browser.get("/staff/"),
    }
    assert [responses[k].status_code for k in ["home", "404", "500", "static", "media"]] == [200, 404, 500, 200, 200]
    assert responses["static"]["Content-Type"].startswith("text/css")
    assert responses["media"]["Content-Type"] == "image/jpeg"
    for name, response in responses.items():
        try:
            _assert_hardened(response)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from error
    browser.force_login(office)
    _assert_hardened(browser.get("/staff/"))
    _assert_hardened(browser.get("/admin/"))


def test_the_portal_itself_does_not_serve_uploads_in_production(client, db):
    default_storage.save("topics/2026/01/evil.html", photo().file)
    response = client.get("/media/topics/2026/01/evil.html")
    assert response.status_code == 404
    _assert_hardened(response)


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
}


def test_no_template_has_inline_script_handlers_or_styles():
    found = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            found += [
                f"{template.relative_to(ROOT)}: {kind}" for kind, pattern in INLINE.items() if pattern.search(text)
            ]
    assert found == []


# Uploads


def test_an_upload_is_re_encoded_as_a_jpeg_whatever_it_was_called(client, suggestion):  # noqa: F811
    from tests.topics.conftest import noise_png

    upload = photo("page.html", noise_png(40), "text/html")
    response = client.post("/topics/suggest/", {**suggestion, "photos": [upload]})
    assert response.status_code == 302
    stored = TopicPhoto.objects.get()
    assert stored.image.name.endswith(".jpg") and stored.thumbnail.name.endswith(".jpg")
    assert stored.image.read(3) == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    "name, data",
    [
        ("x.jpg", b"<html><script>alert(1)</script></html>"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("x.png", b"GIF89a<script>alert(1)</script>"),
    ],
)
def test_files_that_are_not_pictures_are_refused(name, data):
    with pytest.raises(ValidationError):
        clean_image(photo(name, data))
