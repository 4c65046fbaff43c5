"""Laomo settings: one module, fed by the environment.

Every deployment-specific value comes from an environment variable; nothing secret is kept in
the repository. See README.md («配置») for the list.
"""

import os
import time
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LAOMO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """The key from SECRET_KEY, else one generated on first run and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(get_random_secret_key())
    for _attempt in range(50):
        if key := path.read_text().strip():
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "laomo.core",
    "laomo.accounts",
    "laomo.audit",
    "laomo.regions",
    "laomo.schools",
    "laomo.people",
    "laomo.outreach",
    "laomo.notices",
    "laomo.oversight",
    "laomo.halfyear",
    "laomo.scale",
    "laomo.showcase",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "simple_history",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.forms",  # its widget templates, under the project's own (see FORM_RENDERER)
]

# Forms render through the project's template settings (laomo/templates/django/forms/… over
# Django's own), except the common widgets, which the renderer writes as those templates would.
FORM_RENDERER = "laomo.core.renderers.FormRenderer"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "laomo.core.headers.SecurityHeadersMiddleware",
    "laomo.core.requests.RequestContextMiddleware",
    # Under /api/: every refusal in JSON, in Chinese (405, unknown paths, 500).
    "laomo.core.api_errors.ApiErrorMiddleware",
    # Writes the refusals of a request (and records its 403s and 405s) once the response is
    # ready, outside any transaction of the view.
    "laomo.audit.middleware.RefusalMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their long cache; everything else is not stored.
    "laomo.core.caching.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "laomo.accounts.middleware.SignInPolicyMiddleware",
    "laomo.accounts.middleware.ApiTokenMiddleware",
    "laomo.accounts.middleware.LoginRequiredMiddleware",
    "laomo.core.scoping.ScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a lockout flagged during sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "laomo.urls"
WSGI_APPLICATION = "laomo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "laomo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "laomo.core.context_processors.laomo",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'laomo.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a writer commits; IMMEDIATE takes the write lock at BEGIN,
    # so two concurrent imports queue instead of failing with "database is locked" mid-way.
    # A connection is kept between requests (DATABASE_CONN_MAX_AGE, as on PostgreSQL) and reads
    # the file through memory mapping (up to DATABASE_MMAP_SIZE bytes, 0 turns it off; SQLite's
    # own limit is just under 2 GiB): a request neither opens the file again nor copies the pages
    # the system already holds into an empty cache of its own. Together they take a fifth to a
    # third off a page at national size (README 性能).
    SQLITE_MMAP_SIZE = int(os.environ.get("DATABASE_MMAP_SIZE", str(2**31 - 2**16)))
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA mmap_size={SQLITE_MMAP_SIZE};",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a query run five times on a connection prepared: a
    # list page runs the same dozen queries on every request and stops paying for their plans.
    # DATABASE_PREPARE=0 turns preparing off, for a pooler in transaction mode that cannot
    # keep prepared statements (PgBouncer before 1.21).
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": 5 if os.environ.get("DATABASE_PREPARE", "1") == "1" else None,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in (等保2.0 身份鉴别). The lockout backend refuses a locked account or address before the
# password is checked; ModelBackend checks the password and refuses deactivated accounts.
AUTHENTICATION_BACKENDS = [
    "laomo.accounts.backends.LockoutBackend",
    "laomo.accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "laomo.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "laomo.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "laomo.accounts.validators.NotUsernameValidator"},
    {
        "NAME": "laomo.accounts.validators.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": ("username", "display_name", "first_name", "last_name", "email")
        },
    },
    {"NAME": "laomo.accounts.validators.CommonPasswordValidator"},
    {"NAME": "laomo.accounts.validators.NumericPasswordValidator"},
    # zxcvbn's estimate: keyboard walks, common words with capitals, symbols and a year added.
    {"NAME": "laomo.accounts.validators.GuessabilityValidator", "OPTIONS": {"min_score": 3}},
    {"NAME": "laomo.accounts.validators.NotDemoPasswordValidator"},
]
# A password is changed every 90 days, and at the first sign-in with one an administrator set.
LAOMO_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("LAOMO_PASSWORD_MAX_AGE_DAYS", "90"))
# A session ends after 30 minutes without a request, and 8 hours after sign-in in any case.
LAOMO_SESSION_IDLE_MINUTES = int(os.environ.get("LAOMO_SESSION_IDLE_MINUTES", "30"))
LAOMO_SESSION_MAX_HOURS = int(os.environ.get("LAOMO_SESSION_MAX_HOURS", "8"))
SESSION_COOKIE_AGE = LAOMO_SESSION_MAX_HOURS * 3600
# Five failed sign-ins lock the account (from any address) and the address (for any account) for
# 30 minutes: two separate lockout parameters, not their combination, which would lock only that
# one account at that one address and let an attacker move on to the next account or address.
AXES_FAILURE_LIMIT = int(os.environ.get("LAOMO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LAOMO_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not wipe the count: it would also wipe the address's failures against other
# accounts, letting someone with one account of their own reset the counter between guesses.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "laomo.core.requests.client_ip"
# User names are told apart without regard to case: SEC-CASE and sec-case share one count.
AXES_USERNAME_CALLABLE = "laomo.accounts.signin.lockout_username"
AXES_LOCKOUT_CALLABLE = "laomo.accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log
AXES_VERBOSE = False
# Its admin list is registered by laomo.accounts.admin, whose deletions are recorded.
AXES_ENABLE_ADMIN = False
# Kept out of the attempts table: the password (always), and a mistyped second-factor code.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# The second factor (TOTP, any authenticator app). Anyone may turn it on for their account; with
# this set, the city's administrators (city union and education bureau accounts, and the
# superusers and staff of the Django admin) must, and are sent to set it up at their next sign-in.
LAOMO_REQUIRE_TOTP_FOR_ADMINS = env_bool("LAOMO_REQUIRE_TOTP_FOR_ADMINS")
OTP_TOTP_ISSUER = os.environ.get("LAOMO_TOTP_ISSUER", "劳模工匠进校园")
# An API token (`laomo issue-token`) is valid this many days unless issued with --days (1–365).
LAOMO_API_TOKEN_DAYS = int(os.environ.get("LAOMO_API_TOKEN_DAYS", "90"))
# Calls to /api/ per window (seconds) for one token and for one client address; 0 = no limit.
# An integration reading a county's lists page by page needs a few dozen a minute; the address
# limit is higher because an office's callers may share one address behind its NAT.
LAOMO_API_RATE_PER_TOKEN = int(os.environ.get("LAOMO_API_RATE_PER_TOKEN", "120"))
LAOMO_API_RATE_PER_ADDRESS = int(os.environ.get("LAOMO_API_RATE_PER_ADDRESS", "300"))
LAOMO_API_RATE_WINDOW = int(os.environ.get("LAOMO_API_RATE_WINDOW", "60"))

# The cache holds the rate limits' counters. With REDIS_URL (e.g. redis://127.0.0.1:6379/0) every
# gunicorn worker counts in the same Redis; without it each worker counts in its own memory, so a
# caller spread over three workers gets up to three times the limit.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "laomo",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "laomo" / "static"]
# Front-end packages come from the npm registry at setup (package.json) and are served by the app.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "laomo.core.staticfinders.VendorFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploads: a roster of ten thousand rows is well under this; anything larger is refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request larger than that is read into temporary files: in a folder of our own rather than the
# machine's /tmp (they are photos of children), each locked by its request, so that those a crash
# cut off are swept when the server starts again (laomo.core.files).
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "uploads")
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
Path(FILE_UPLOAD_TEMP_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
# Stored uploads (photos and their thumbnails, other media) and the folders made for them are the
# owner's alone whatever the process's umask; `laomo fix-permissions` closes older ones.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "laomo.core.files.LockedTemporaryFileUploadHandler",
]
# Where `laomo audit-verify` keeps the audit chain's head it last verified ("" turns it off): an
# older copy of the database put back no longer holds it. Outside the database, on purpose.
LAOMO_AUDIT_ANCHOR = os.environ.get("LAOMO_AUDIT_ANCHOR", str(VAR_DIR / "audit-anchor.json"))
LAOMO_IMPORT_MAX_BYTES = int(os.environ.get("LAOMO_IMPORT_MAX_BYTES", 8 * 1024 * 1024))
LAOMO_IMPORT_MAX_ROWS = int(os.environ.get("LAOMO_IMPORT_MAX_ROWS", 50000))

HTTPS = env_bool("HTTPS")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    # The header binds this host and the names below it (x.laomo.example.gov.cn), never its
    # siblings on the same intranet domain, so including subdomains costs nothing.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [
    # security.W021 (HSTS preload not set): the browsers' preload list takes whole registrable
    # domains (example.gov.cn) and is their owner's decision; one platform on an intranet host
    # can neither qualify nor decide it. Set SECURE_HSTS_PRELOAD=1 if the domain's owner has.
    "security.W021",
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every script, style, font and image is served by the app itself (no CDN: it runs on an
# intranet), and no page has inline script, so scripts come from 'self' only. Inline style
# *attributes* stay allowed (progress bars sized by the data, ECharts' tooltips); `<style>`
# elements do not. data: images are Bootstrap's SVG icons.
LAOMO_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
LAOMO_PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",  # photos are taken by the phone's own camera app through <input type=file>
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "laomo@localhost")
# The address people reach the platform at, for links in e-mails.
LAOMO_SITE_URL = os.environ.get("LAOMO_SITE_URL", "http://127.0.0.1:8000")
# Where a notice goes besides the site's 消息 page: adapter classes by dotted path, comma-separated
# (laomo.notices.channels documents the interface an SMS or 企业微信 adapter implements).
LAOMO_NOTICE_CHANNELS = [
    path.strip()
    for path in os.environ.get(
        "LAOMO_NOTICE_CHANNELS", "laomo.notices.channels.EmailChannel"
    ).split(",")
    if path.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The programme's own configuration: what the implementation plan fixes for one city.
LAOMO_TRUSTED_PROXY = env_bool("LAOMO_TRUSTED_PROXY")
if LAOMO_TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
LAOMO_CITY_CODE = os.environ.get("LAOMO_CITY_CODE", "640400")
LAOMO_PAGE_SIZE = 25
# The banner's wording is prescribed by the plan (002 四(六)); next year's campaign slogan will
# change, so it is configuration: this default, overridden per city and year in 年度行动配置.
LAOMO_BANNER_TEMPLATE = os.environ.get(
    "LAOMO_BANNER_TEMPLATE",
    "{year}年{city}“中国梦·劳动美——奋进新征程建功新时代”劳模工匠进校园宣讲活动（{name}专场）",
)
LAOMO_MIN_AUDIENCE = int(os.environ.get("LAOMO_MIN_AUDIENCE", "30"))
# The plan's yearly quotas (002 三(一)3), the default for a year not configured in 年度行动配置.
LAOMO_DEFAULT_QUOTAS = {"quota_total": 20, "quota_city": 5, "quota_county": 3, "quota_zone": None}
# Coverage (002 一): every school reached in about five years from the plan's issue.
LAOMO_PROGRAMME_START = os.environ.get("LAOMO_PROGRAMME_START", "2023-10-12")
LAOMO_COVERAGE_YEARS = int(os.environ.get("LAOMO_COVERAGE_YEARS", "5"))
# Half-year reports (002 四(六)) are due by these dates after each half (month, day).
LAOMO_HALF_YEAR_DEADLINES = {1: (7, 10), 2: (1, 10)}
# A lecturer with more confirmed talks than this in a year is flagged as carrying too much.
LAOMO_LECTURER_YEARLY_LIMIT = int(os.environ.get("LAOMO_LECTURER_YEARLY_LIMIT", "12"))
# A lecturer's two talks on one day in different counties with less time than this between them
# bring a warning (not a refusal): the counties of a city lie one to two hours apart by road.
LAOMO_TRAVEL_MINUTES = int(os.environ.get("LAOMO_TRAVEL_MINUTES", "120"))
# Photos of a talk: judged by content, limited in bytes, pixels and number per report.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("LAOMO_PRIVATE_ROOT", VAR_DIR / "private"))
LAOMO_PHOTO_MAX_BYTES = int(os.environ.get("LAOMO_PHOTO_MAX_BYTES", 20 * 1024 * 1024))
LAOMO_PHOTO_MAX_PIXELS = int(os.environ.get("LAOMO_PHOTO_MAX_PIXELS", 50_000_000))
LAOMO_PHOTO_MAX_COUNT = int(os.environ.get("LAOMO_PHOTO_MAX_COUNT", 30))
# More files than this in one request are refused (400) while the request is read, before any is
# looked at; between LAOMO_PHOTO_MAX_COUNT and this, the report says how many photos it takes.
DATA_UPLOAD_MAX_NUMBER_FILES = LAOMO_PHOTO_MAX_COUNT + 20
LAOMO_PHOTO_MAX_SIDE = 2560  # served copies are re-encoded no larger than this
LAOMO_REMIND_DAYS_BEFORE = 2
# Audit records are kept this many days, then `laomo purge-audit` removes them; 等保2.0 asks for
# at least six months, so less than 183 is refused (system check laomo.E002).
LAOMO_AUDIT_RETENTION_DAYS = int(os.environ.get("LAOMO_AUDIT_RETENTION_DAYS", "183"))
# Where pg_dump and pg_restore are (`laomo backup`, `laomo restore`), when the ones on PATH are
# not of the server's major version (Debian keeps each version in /usr/lib/postgresql/N/bin).
LAOMO_PG_BINDIR = os.environ.get("LAOMO_PG_BINDIR", "")
# The key that signs a backup's manifest (`laomo backup`) and that a restore checks the signature
# with. Kept apart from the backups (in the server's environment file, not beside the archives):
# whoever has an archive and the key could forge a changed one.
LAOMO_BACKUP_KEY = os.environ.get("LAOMO_BACKUP_KEY", "")
LAOMO_REPORT_OVERDUE_DAYS = 7
