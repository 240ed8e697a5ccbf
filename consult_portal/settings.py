"""Settings for the consultation portal, read from the environment.

Production is the default: without DEBUG set, a SECRET_KEY is required and HTTPS settings are on.
`make run` is the explicit development mode (DEBUG=1); `.env.example` lists every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without it; "
            "set SECRET_KEY, or DEBUG=1 for local development (make run)."
        )
    SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "consult_portal.apps.PortalConfig",
    "consult_portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "members.apps.MembersConfig",
    "topics.apps.TopicsConfig",
    "sessions.apps.ConsultationsConfig",
    "outcomes.apps.OutcomesConfig",
]

MIDDLEWARE = [
    "consult_portal.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "consult_portal.middleware.reject_nul_in_path",
    "consult_portal.middleware.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "consult_portal.middleware.CookieLocaleMiddleware",
    # Before anything reads the body: a request over REQUEST_BODY_MAX_BYTES gets the 413 page at once.
    "consult_portal.middleware.limit_request_body",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "consult_portal.middleware.PasswordChangeRequiredMiddleware",
    "consult_portal.replica.ReplicaForReportsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out flagged during login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "consult_portal.urls"
WSGI_APPLICATION = "consult_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "consult_portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Reconnect cleanly after a database restart instead of failing on a dead persistent connection.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT compilation costs seconds on the dashboard's and the assessment's aggregates and saves nothing on pages
    # that read a few hundred rows (issue #17: 2,017 of the assessment's 2,156 ms were JIT).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# Several servers (README): the exports and documents read from a streaming replica when DATABASE_REPLICA_URL is set
# (consult_portal/replica.py); the tests treat it as the primary itself.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db("DATABASE_REPLICA_URL"),
        **{
            key: DATABASES["default"][key]
            for key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS")
            if key in DATABASES["default"]
        },
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["consult_portal.replica.ReportsToReplica"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account-home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "consult_portal.passwords.CharacterMixValidator", "OPTIONS": {"min_kinds": 3}},
]
# django-axes refuses a login once LOGIN_FAILURE_LIMIT failures came, within LOGIN_LOCKOUT_MINUTES, for the same
# account from the same address: one attacker locks only himself out, never the account's owner elsewhere nor the
# other accounts behind his address. Across addresses consult_portal.logins slows down (refuses at once) an account
# with LOGIN_ACCOUNT_FAILURE_LIMIT failures, or an address with LOGIN_ADDRESS_FAILURE_LIMIT, within the same minutes,
# except from addresses the account logged in from in the last LOGIN_KNOWN_ADDRESS_DAYS. Office staff unlock at
# /staff/accounts/locked/. The two check backends go first and log nobody in; ModelBackend logs in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "consult_portal.logins.AccountGuardBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)
AXES_CLIENT_IP_CALLABLE = "consult_portal.audit.client_ip"
AXES_LOCKOUT_CALLABLE = "consult_portal.account_views.lockout_page"
# Tries during a lock-out do not push its end further out: the page promises a time and keeps to it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not clear the failures: otherwise one valid account would reset an address's count.
AXES_RESET_ON_SUCCESS = False
# Logins are in our audit log; axes keeps only the failures it needs, and the office unlocks in the portal.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False

# Language: English message ids, Chinese by default whatever the browser asks for.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded files are sent by the portal after it checked who asks (consult_portal.media). Behind nginx set this to its
# `internal` location of MEDIA_ROOT (README "Uploads"): the portal then answers with X-Accel-Redirect and nginx sends.
# Media on S3-compatible object storage when several servers share it (MEDIA_STORAGE=s3; README "Several servers").
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
S3_MEDIA_OPTIONS = {}
if MEDIA_STORAGE == "s3":
    from botocore.config import Config as _BotoConfig

    S3_MEDIA_OPTIONS = {
        "bucket_name": env.str("S3_BUCKET"),
        "endpoint_url": env.str("S3_ENDPOINT_URL"),
        "access_key": env.str("S3_ACCESS_KEY"),
        "secret_key": env.str("S3_SECRET_KEY"),
        "region_name": env.str("S3_REGION", default="us-east-1"),
        "addressing_style": "path",
        "signature_version": "s3v4",
        "default_acl": None,
        "file_overwrite": False,
        "location": env.str("S3_PREFIX", default=""),
        # Every call to the object store gives up: 5 s to connect, S3_TIMEOUT to answer, one retry.
        "client_config": _BotoConfig(
            connect_timeout=5, read_timeout=env.float("S3_TIMEOUT", default=20), retries={"max_attempts": 2}
        ),
    }
# /healthz says "media": "low" when less than this is free where photos are written.
MEDIA_MIN_FREE_MB = env.int("MEDIA_MIN_FREE_MB", default=500)
MEDIA_ACCEL_REDIRECT_PREFIX = env.str("MEDIA_ACCEL_REDIRECT_PREFIX", default="")
# Request bodies, from the photo limits: a form takes at most 3 photos (consult_portal/photo_fields.py MAX_PHOTOS) of
# at most 5 MB each (consult_portal/images.py MAX_UPLOAD_BYTES), and its text. nginx: client_max_body_size 16m.
REQUEST_BODY_MAX_BYTES = 3 * 5 * 1024 * 1024 + 1024 * 1024  # 16 MB; more gets the 413 page before it is read
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # the text of a form; the longest (a meeting record) is about 120 KB
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # a photo at the limit stays in memory, anything larger goes to disk
DATA_UPLOAD_MAX_NUMBER_FILES = 10  # more than any form takes, so that a 4th photo gets the form's own message
STORAGES = {
    "default": (
        {"BACKEND": "consult_portal.object_storage.TransactionalS3Storage", "OPTIONS": S3_MEDIA_OPTIONS}
        if MEDIA_STORAGE == "s3"
        else {"BACKEND": "consult_portal.storage.TransactionalFileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Redis: broker, result store and cache when REDIS_URL is set; otherwise tasks run in-process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A Redis that stops answering must not hang a request: each call waits REDIS_CACHE_TIMEOUT seconds at most, and
    # after one that did not answer, none is made for REDIS_BREAKER_SECONDS (consult_portal/redis_cache.py). The rate
    # limits then let submissions through; the office settings come from the database.
    REDIS_CACHE_TIMEOUT = env.float("REDIS_CACHE_TIMEOUT", default=0.25)
    CACHES = {
        "default": {
            "BACKEND": "consult_portal.redis_cache.BreakerRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_CACHE_TIMEOUT, "socket_timeout": REDIS_CACHE_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Figures kept in the cache until their rows change (consult_portal/cache_versions.py): only in a cache every
# process shares, for without one a worker would keep figures another worker's writes have changed.
FIGURES_CACHE = env.bool("FIGURES_CACHE", default=bool(REDIS_URL))
FIGURES_CACHE_SECONDS = env.int("FIGURES_CACHE_SECONDS", default=3600)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly when the broker is down or hung: the notification waits in the outbox for the sweeper.
# A request waits NOTIFICATION_PUBLISH_TIMEOUT seconds at most for the publish after its commit (consult_portal/
# delivery.py), and a Redis that did not answer is not asked again for REDIS_BREAKER_SECONDS (consult_portal/
# breaker.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
NOTIFICATION_PUBLISH_TIMEOUT = env.float("NOTIFICATION_PUBLISH_TIMEOUT", default=1.0)
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=15)
CELERY_TIMEZONE = TIME_ZONE
# Several installations (or test runs) can share one Redis by using their own queue. Email is delivered from a queue
# of its own (default: the default queue's name + "-email"), by its own worker: a slow mail server holds up nothing
# else (README, "Workers").
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_EMAIL_QUEUE = env.str("CELERY_EMAIL_QUEUE", default="")
# Where beat keeps the time each periodic task last ran (README: /var/lib/consult/celerybeat-schedule in production).
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default="celerybeat-schedule")

# Mail: EMAIL_URL (smtp://user:pass@host:587, consolemail://, filemail:///path) or the console in development.
# Every SMTP read and write gives up after EMAIL_TIMEOUT seconds (or ?timeout=10 in EMAIL_URL); ?tls=True and ?ssl=True
# in EMAIL_URL switch on STARTTLS and SMTPS (as do the schemes smtp+tls:// and smtp+ssl://).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10)
if "EMAIL_URL" in env:
    _email = env.email_url("EMAIL_URL")
    _options = {key.lower(): value for key, value in _email.pop("OPTIONS", {}).items()}
    vars().update(_email)
    if "timeout" in _options:
        EMAIL_TIMEOUT = float(_options["timeout"])
    for _option, _setting in (("tls", "EMAIL_USE_TLS"), ("ssl", "EMAIL_USE_SSL")):
        if _option in _options:
            vars()[_setting] = str(_options[_option]).lower() in ("1", "true", "yes", "on")
    if EMAIL_BACKEND.endswith("filebased.EmailBackend"):  # noqa: F821 - set just above
        # django-environ drops the leading slash of filemail:///abs/path.
        EMAIL_FILE_PATH = "/" + EMAIL_FILE_PATH.lstrip("/")  # noqa: F821
else:
    EMAIL_BACKEND = (
        "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
    )
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # The same, saying when a message's data ends, for the outbox's exactly-once (consult_portal/mail.py).
    EMAIL_BACKEND = "consult_portal.mail.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@consult.example.gov.cn")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The public address of the portal, for links in mail and SMS (office setting).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# SMS to residents: a backend chosen by dotted path; the console backend only logs.
SMS_BACKEND = env.str("SMS_BACKEND", default="consult_portal.sms.ConsoleBackend")
# Seconds a gateway backend waits for its gateway (consult_portal/sms.py); HttpGatewayBackend's URL and token.
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=10)
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
# The hour from which the morning digest of new residents' topics goes out (topics/digest.py).
TOPIC_DIGEST_HOUR = env.int("TOPIC_DIGEST_HOUR", default=7)
# SMS one number gets a day at most (anyone can type a number into the public form); more are cancelled, not sent.
SMS_PER_NUMBER_PER_DAY = env.int("SMS_PER_NUMBER_PER_DAY", default=5)

# Notification outbox: delivery attempts before a row stays failed, and when a claim counts as stale. A send renews its
# claim every NOTIFICATION_HEARTBEAT_SECONDS and is stopped after NOTIFICATION_TIME_LIMIT seconds (soft: 2/3 of it),
# so a claim older than NOTIFICATION_STALE_CLAIM_MINUTES is a stopped worker's.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_STALE_CLAIM_MINUTES = env.int("NOTIFICATION_STALE_CLAIM_MINUTES", default=3)
NOTIFICATION_HEARTBEAT_SECONDS = env.float("NOTIFICATION_HEARTBEAT_SECONDS", default=20)
NOTIFICATION_TIME_LIMIT = env.int("NOTIFICATION_TIME_LIMIT", default=90)

# The office named on pages and documents; empty means the translated generic name. This and the settings below
# marked "office setting" are the defaults of a new installation: office staff change them on /staff/settings/.
PORTAL_OFFICE_NAME = env.str("PORTAL_OFFICE_NAME", default="")
# The phone residents may call, shown on refusal and error pages (office setting); empty: none shown.
PORTAL_CONTACT_PHONE = env.str("PORTAL_CONTACT_PHONE", default="")
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-Consult-2026")

# Consultations each town must hold in a year (the district's target: the coverage page, the dashboard, where the
# county's target is this times the number of towns, and the liaison stations' assessment count against it), and
# the days before a meeting on which invitees are reminded. The target is an office setting.
MEETINGS_PER_TOWN_TARGET = env.int("MEETINGS_PER_TOWN_TARGET", default=2)
MEETING_REMINDER_DAYS = [int(d) for d in env.list("MEETING_REMINDER_DAYS", default=["3", "1"])]
# Days before an outcome item's handling deadline on which the unit is reminded, the local hour of the daily
# scan, and whether the item's contact person also gets an SMS (needs a real SMS_BACKEND). The days are an office
# setting.
OUTCOME_REMINDER_DAYS = [int(d) for d in env.list("OUTCOME_REMINDER_DAYS", default=["7", "3", "1"])]
OUTCOME_REMINDER_HOUR = env.int("OUTCOME_REMINDER_HOUR", default=8)
OUTCOME_REMINDER_SMS = env.bool("OUTCOME_REMINDER_SMS", default=False)
# Satisfaction responses accepted per address and hour: generous, since a village's shared Wi-Fi or a carrier's NAT
# is one address for hundreds of residents; what counts is one verified answer per confirmed phone (#16).
SURVEY_RESPONSES_PER_HOUR = env.int("SURVEY_RESPONSES_PER_HOUR", default=300)
# One-time SMS codes confirming a resident's mobile (survey, check-in; consult_portal.phone_codes): minutes valid,
# wrong tries per code, codes per number and hour, codes per address and hour (generous: shared addresses).
PHONE_CODE_MINUTES = env.int("PHONE_CODE_MINUTES", default=10)
PHONE_CODE_ATTEMPTS = env.int("PHONE_CODE_ATTEMPTS", default=5)
PHONE_CODES_PER_NUMBER_PER_HOUR = env.int("PHONE_CODES_PER_NUMBER_PER_HOUR", default=3)
PHONE_CODES_PER_ADDRESS_PER_HOUR = env.int("PHONE_CODES_PER_ADDRESS_PER_HOUR", default=200)
# Audit entries are kept at least this many days (prune_audit never removes younger ones; at least 180).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=180)
# purge_submitters blanks the name and phone of residents whose topics closed more than this many months ago
# (office setting; at least 1).
SUBMITTER_RETENTION_MONTHS = env.int("SUBMITTER_RETENTION_MONTHS", default=24)

# Places (towns or villages) a member can be sunk into before the coverage view flags them as stretched.
MEMBER_MAX_PLACES = env.int("MEMBER_MAX_PLACES", default=3)

# Behind the reverse proxy, take the client address from the last X-Forwarded-For entry it appends.
USE_X_FORWARDED_FOR = env.bool("USE_X_FORWARDED_FOR", default=False)
# Public topic submissions accepted per address and hour (raise it for a load test, never switch it off).
TOPIC_SUBMISSIONS_PER_HOUR = env.int("TOPIC_SUBMISSIONS_PER_HOUR", default=5)
# Look-ups of tracking codes per address and hour: the form with a code, a topic's tracking page, its QR code and
# the receipt each count one (following the form to a topic's page counts two).
TRACKING_LOOKUPS_PER_HOUR = env.int("TRACKING_LOOKUPS_PER_HOUR", default=60)

# HTTPS and cookies: on by default in production, each switchable by the environment.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: forms carry the token in a hidden field.
CSRF_COOKIE_HTTPONLY = env.bool("CSRF_COOKIE_HTTPONLY", default=True)
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Sent on every response by consult_portal.middleware.SecurityHeadersMiddleware: no inline script or style,
# nothing from other hosts (static/vendor holds the front-end libraries), no framing.
PORTAL_CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
