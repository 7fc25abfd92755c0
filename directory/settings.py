"""Settings for the practitioner directory, read from the environment in one place.

With nothing set the site runs on SQLite with an in-process cache and console e-mail, and
refuses to start without a SECRET_KEY unless DEBUG is on. Production is configured by
variables only (see README, "Production"): nothing about safety depends on a flag that
someone must remember to turn on — DEBUG defaults to off and every HTTPS protection is on
whenever it is off.
"""

import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kernel.environment import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", False)

# Commands that only read the models and migrations sign nothing and serve nothing, so they
# run without a key (e.g. `manage.py makemigrations --check` in a bare checkout).
KEYLESS_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate"}

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and sys.argv[1:2] and sys.argv[1] in KEYLESS_COMMANDS:
        SECRET_KEY = "schema-commands-only-never-used-to-sign"  # noqa: S105
    elif not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (50+ random characters) in production, "
            "or DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Bottom to top (docs/architecture.md): the kernel, accounts, the two domains, the read
# models, the integrations, the demo, and the site itself.
INSTALLED_APPS = [
    "kernel",
    "accounts",
    "practitioners",
    "reviews",
    "listings",
    "partners",
    "fhir_api",
    "demo",
    "directory",
    # Django's admin on a site that requires the second factor (accounts/admin_site.py).
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "kernel.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The visitor's English (the language cookie set by the footer's switch, else
    # Accept-Language); after sessions, before anything that renders text.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Over-long addresses, headers and bodies are refused before any view reads them; after
    # the security headers' middleware, so the refusal pages carry them too.
    "kernel.limits.RequestLimitsMiddleware",
    "kernel.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "directory.urls"
WSGI_APPLICATION = "directory.wsgi.application"
ASGI_APPLICATION = "directory.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "practitioners.roles.navigation",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL=postgres://user:pass@host:5432/name uses PostgreSQL through psycopg 3;
# unset, the site runs on an embedded SQLite file.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE makes a write
        # transaction take the lock up front instead of failing half-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME") or None}
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# A read replica (optional): reads of public models go there, writes and read-your-writes
# to default (directory/db_routers.py). In tests it mirrors the test database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 5)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["directory.db_routers.ReplicaRouter"]
    MIDDLEWARE.append("directory.db_routers.PrimaryAfterWriteMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "directory.User"

# --- Cache, sessions ------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "directory")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "kernel.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    # Sessions live in the database so any process can continue any session.
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Anonymous search and profile pages are cached whole for this many seconds, under a key
# that changes whenever what they show changes (kernel/caching.py). On by default only
# with Redis: the invalidation must reach every process.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300 if REDIS_URL else 0)
# Search result cards are cached for this long under a key made from what they show
# (listings/cards.py), so a search nobody asked before renders from cached cards.
# Never stale whatever the cache, but only worth it when the cache is shared (Redis).
CARD_CACHE_SECONDS = env_int("CARD_CACHE_SECONDS", 3600 if REDIS_URL else 0)
# Partner keys are read from the cache for this long (partners/key_cache.py); kept short
# because it bounds how long a revocation racing a request can be missed. Redis only.
PARTNER_KEY_CACHE_SECONDS = env_int("PARTNER_KEY_CACHE_SECONDS", 60 if REDIS_URL else 0)

# --- Background tasks -----------------------------------------------------------------
# The ORM-backed backend needs nothing but the database: `manage.py db_worker` runs it.
# TASKS_BACKEND=rq moves the queue to Redis (`manage.py rqworker`) for scale;
# TASKS_BACKEND=immediate runs each task in-process as soon as it is enqueued (tests).
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[TASKS_BACKEND],
        "QUEUES": ["default", "email", "webhooks", "scheduled"],
    }
}
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {name: {"URL": REDIS_URL} for name in TASKS["default"]["QUEUES"]}

# --- E-mail ---------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set, otherwise e-mails are printed, decoded, to the console of the
# process that sends them (the task worker beside `make run`).
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "kernel.mail.ConsoleEmailBackend"}}
del EMAIL_HOST
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Skin Practitioner Directory <no-reply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth -----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Staff sign in with a second factor (accounts/second_factor.py, SECURITY.md): the name
# authenticator apps show next to the codes, and no secrets on the admin's device pages.
OTP_TOTP_ISSUER = "Skin Practitioner Directory"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- I18N, static, uploads -----------------------------------------------------------
# American English by default (the practitioners are American): miles, "license", "Mar 31,
# 2026". British English is chosen by Accept-Language or the footer's switch: km,
# "licence", "31 Mar 2026". Source strings are American; locale/en_GB translates them.
LANGUAGE_CODE = "en-us"
LANGUAGES = [("en-us", "American English"), ("en-gb", "British English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and the distance unit per language: directory/formats/{en,en_GB}/formats.py.
FORMAT_MODULE_PATH = ["directory.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "directory" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Evidence files are never under MEDIA_ROOT: only a permission-checking view serves them.
EVIDENCE_ROOT = Path(env_str("EVIDENCE_ROOT", str(BASE_DIR / "var" / "evidence")))
# FHIR bulk export files: private too, served only to the partner's key (fhir_api).
FHIR_EXPORT_ROOT = Path(env_str("FHIR_EXPORT_ROOT", str(BASE_DIR / "var" / "fhir-exports")))
# Bulk exports one partner may have queued or running at once; more answer 429.
FHIR_EXPORTS_AT_ONCE = env_int("FHIR_EXPORTS_AT_ONCE", 2)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_FILES = 10
# Form fields and API bodies; a page request may add EVIDENCE_MAX_FILES files (limits.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": EVIDENCE_ROOT, "base_url": None},
    },
    "fhir_exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": FHIR_EXPORT_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------
# Everything below is on unless DEBUG is on; behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER_ENABLED=1 so Django trusts X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies (addresses or networks) whose X-Forwarded-For names the client; see SECURITY.md.
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS", [])

from django.utils.csp import CSP  # noqa: E402

# No inline scripts or styles and nothing from another origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Django REST framework ------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Skin Practitioner Directory — Partner API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "YesNoUnknownEnum": "reviews.models.YesNoUnknown",
        "WebhookEventEnum": "partners.subscriptions.WebhookEvent",
    },
    "DESCRIPTION": (
        "Read the directory and send review invitations. Start with the "
        "[partner API guide](/docs/api/): keys, errors, rate limits, pagination and webhooks."
    ),
}

# The benchmark's floor view at /bench/floor (directory/bench_views.py); off in production.
BENCH_FLOOR = env_bool("BENCH_FLOOR", False)

# --- Product rules --------------------------------------------------------------------
# The Bayesian prior for ratings: C pseudo-reviews at mean M, so two 5-star reviews do not
# outrank two hundred 4.8s.
RATING_PRIOR_WEIGHT = env_int("RATING_PRIOR_WEIGHT", 5)
RATING_PRIOR_MEAN = float(env_str("RATING_PRIOR_MEAN", "4.0"))
# Abuse limits per account and day (counts): reviews written, review invitations sent.
REVIEWS_PER_ACCOUNT_PER_DAY = env_int("REVIEWS_PER_ACCOUNT_PER_DAY", 5)
REVIEW_INVITATIONS_PER_ACCOUNT_PER_DAY = env_int("REVIEW_INVITATIONS_PER_ACCOUNT_PER_DAY", 100)

# --- Sign-in throttling (accounts/security.py) ----------------------------------------
# Failed sign-ins counted over this many seconds, per account and per client address.
LOGIN_THROTTLE_WINDOW = env_int("LOGIN_THROTTLE_WINDOW", 15 * 60)
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)

# --- Events and partner webhooks ------------------------------------------------------
# A failed event handler is retried after this many seconds, doubling, up to the attempts.
EVENT_HANDLING_BACKOFF_SECONDS = float(env_str("EVENT_HANDLING_BACKOFF_SECONDS", "30"))
EVENT_HANDLING_MAX_ATTEMPTS = env_int("EVENT_HANDLING_MAX_ATTEMPTS", 8)
# One webhook attempt may take this many seconds in all; failures retry with doubling waits.
PARTNER_WEBHOOK_TIMEOUT_SECONDS = float(env_str("PARTNER_WEBHOOK_TIMEOUT_SECONDS", "5"))
PARTNER_WEBHOOK_MAX_ATTEMPTS = env_int("PARTNER_WEBHOOK_MAX_ATTEMPTS", 8)
PARTNER_WEBHOOK_BACKOFF_SECONDS = float(env_str("PARTNER_WEBHOOK_BACKOFF_SECONDS", "30"))
# Plain-HTTP webhook URLs are for local development only (never non-public addresses);
# unset (None) follows DEBUG as it is when a URL is checked, so the test runner's DEBUG=False holds.
PARTNER_WEBHOOKS_ALLOW_INSECURE = env_bool("PARTNER_WEBHOOKS_ALLOW_INSECURE", None)
# Where partner rate-limit counters live: "redis" or "database"; empty picks Redis if set.
PARTNER_THROTTLE_STORE = env_str("PARTNER_THROTTLE_STORE")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
