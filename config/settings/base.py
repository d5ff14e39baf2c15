"""Settings shared by every environment. Every variable is read here, once, through one Env."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def secret(name: str, default: str | None = None) -> str:
    """A secret exactly as it is set: django-environ reads a value that starts with `$` as the name
    of another variable, and a random key starts with `$` about one time in fifty."""
    value = env.ENVIRON.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable")
    return value


SECRET_KEY = secret("DJANGO_SECRET_KEY", "insecure-local-only-key-change-me-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "accounts",
    "messaging",
    "contacts",
    "otp",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.JsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "api.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ActiveSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.DomainErrorPagesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "messaging.context_processors.unread",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A persistent connection the database dropped (a restart, a terminated backend) is checked once at
# the start of each request and replaced, instead of failing that request's first query with a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the huey consumer share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    # Parameters bound by the server and statements prepared on their second use in a connection:
    # PostgreSQL plans the hot queries (API key lookup, a send's inserts) once per connection, not
    # once per request, a third of its CPU per accepted message. Switch off behind a pooler that
    # cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")

# A bulk send of 100,000 recipients is about 8 MB of JSON; anything much larger is refused (413).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_MAX_REQUEST_BYTES", default=16 * 2**20)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200_000

REDIS_URL = env("REDIS_URL", default="")

# Rate-limit counters, throttles, 2FA caps and task locks must be shared by every process: Redis when
# configured, else files whose add/incr are atomic across processes (config/cache.py).
EMBEDDED_CACHE = {"BACKEND": "config.cache.AtomicFileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
# A Redis that drops packets (rather than refusing connections) fails a call within seconds instead
# of hanging the request or the worker until the operating system gives up.
REDIS_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 5}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_TIMEOUTS,
        }
    }
else:
    CACHES = {"default": EMBEDDED_CACHE}

if REDIS_URL:
    from redis import ConnectionPool

    # huey's blocking read waits 1 s at most, well within the socket timeout
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "sms",
        "connection_pool": ConnectionPool.from_url(REDIS_URL, **REDIS_TIMEOUTS),
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "sms",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }
# Nothing reads a task's return value: storing it would keep one entry per task forever.
HUEY["results"] = False
HUEY["consumer"] = {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SMS platform API",
    "DESCRIPTION": (
        "Five documented SMS provider dialects over one core; each tag below is one dialect, with its own "
        "authentication, parameters and error shapes.\n\n"
        "Unless a dialect says otherwise, every endpoint reads the query string, form, multipart and JSON "
        "bodies. Every POST takes an optional `Idempotency-Key` header. Every answer carries "
        "`X-RateLimit-Limit` and `X-RateLimit-Remaining`; past the limit the answer is 429 with `Retry-After`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc are served from this server: the machines running it may have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # One tag per dialect (seed document); tests/api/test_schema.py checks every operation has one.
    "TAGS": [
        {
            "name": "SMS API V2 (seed 000)",
            "description": "SMS API V2 (`POST /api`), Personal API, Blacklist API and Two Factor Authentication "
            "API. Authentication: the `api_token` parameter or `Authorization: Bearer <API key>`. Errors: 401 "
            '`{"message": "Unauthenticated."}`, 422 `{"message": "The given data was invalid.", "errors": '
            "{parameter: [text]}}`.",
        },
        {
            "name": "REST API v1 (seed 001)",
            "description": "Everything under `/api/rest/v1/`, with the documented camelCase bodies. "
            "Authentication: `email` and `token` headers, HTTP Basic (email, API token), or `email` and `token` "
            "URL parameters; `sms/send-url/{token}` takes the URL-sending token only. Errors are a RestErrorDTO; "
            "bad input is 400.",
        },
        {
            "name": "HTTP API message (seed 002)",
            "description": "`POST /api/message` with `_login` and `_password`; `destination_number` may repeat. "
            "JSON:API answers: `data` (an object for one number, an array for several) or `errors`, never both.",
        },
        {
            "name": "Outbound SMS (seed 003)",
            "description": "`Authorization: Bearer <API key>`, JSON bodies, answers in a "
            "`{meta: {timestamp, transactionId}, data}` envelope; errors keep it, with the reason in "
            "`meta.explain` and the fields in `errors`.",
        },
        {
            "name": "SMS API (seed 004)",
            "description": "`v1/sms/send` with `username` and `password`; the `api/v2` endpoints and the key "
            "management with the `X-API-Key` header or the `api_key` parameter. Errors are "
            '`{"error": ...}`: 400, 401 (`{"error": "API key is required", "help": ...}` without a key), 429. '
            "This page is also served at `/api/v2`.",
        },
    ],
    # Choice sets shared by several fields named alike get one explicit name each.
    "ENUM_NAME_OVERRIDES": {
        "MessageStatusEnum": "messaging.models.Status",
        "WebServiceMessageStatusEnum": "api.rest_v1.messages.STATUS_WORDS",
        "HttpMessageStatusEnum": ["ok", "error"],
    },
}

# Platform settings


def mail_settings(default: str) -> dict[str, object]:
    """EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ... from EMAIL_URL (`default` when it is not set)."""
    return {name: value for name, value in env.email_url("EMAIL_URL", default=default).items() if value is not None}


# Mail (the low-balance notice to a team's owners and admins). EMAIL_URL names the backend and the
# server in one value (django-environ): smtp+tls://user:password@host:587 (STARTTLS),
# smtp+ssl://user:password@host:465, consolemail:// (the development default, local.py), filemail://.
# An @ or / in the user or password is percent-encoded (%40, %2F). Tests keep mail in memory.
globals().update(mail_settings("smtp://localhost:25"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)  # an unanswering server fails the attempt (retried)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="sms-platform@localhost")

SMS_DEFAULT_COUNTRY = env("SMS_DEFAULT_COUNTRY", default="EE")
SMS_API_RATE_LIMIT_PER_MINUTE = env.int("SMS_API_RATE_LIMIT_PER_MINUTE", default=60)
SMS_DEFAULT_PRICE_PER_SEGMENT = env("SMS_DEFAULT_PRICE_PER_SEGMENT", default="1")
SMS_MAX_RECIPIENTS = env.int("SMS_MAX_RECIPIENTS", default=100_000)
# The sender of a message whose dialect has no sender or makes it optional, when the team has no default.
SMS_DEFAULT_SENDER = env("SMS_DEFAULT_SENDER", default="SMS")
# Concurrent single sends of a web process share one transaction (PostgreSQL; messaging/services/intake.py).
SMS_GROUP_COMMIT = env.bool("SMS_GROUP_COMMIT", default=True)
# The gateway, chosen like EMAIL_BACKEND: simulator (default), console or smpp.
SMS_GATEWAY = env("SMS_GATEWAY", default="simulator")
SMS_SIMULATOR = {
    "delivered_ratio": env.float("SMS_SIMULATOR_DELIVERED_RATIO", default=0.9),
    "latency_seconds": env.float("SMS_SIMULATOR_LATENCY_SECONDS", default=2.0),
    "reply_ratio": env.float("SMS_SIMULATOR_REPLY_RATIO", default=0.05),
}
SMS_SMPP = {
    "host": env("SMS_SMPP_HOST", default="127.0.0.1"),
    "port": env.int("SMS_SMPP_PORT", default=2775),
    "system_id": env("SMS_SMPP_SYSTEM_ID", default=""),
    "password": secret("SMS_SMPP_PASSWORD", ""),
    "system_type": env("SMS_SMPP_SYSTEM_TYPE", default=""),
    "window": env.int("SMS_SMPP_WINDOW", default=10),
    # TLS always verifies the SMSC's certificate and host name; an empty CA file means the system's CAs.
    "tls": env.bool("SMS_SMPP_TLS", default=False),
    "tls_ca_file": env("SMS_SMPP_TLS_CA_FILE", default=""),
}
SMS_DISPATCH_CHUNK = env.int("SMS_DISPATCH_CHUNK", default=500)
# Carrier connectors and routes (messaging/routing/): with none in the database, SMS_GATEWAY above
# carries everything. Connector passwords are encrypted with this key (comma-separated: the first
# encrypts, every one decrypts, for rotation); production has no default. Running processes see a
# changed connector or route within SMS_ROUTING_REFRESH_SECONDS.
SMS_CONNECTOR_SECRETS_KEY = secret("SMS_CONNECTOR_SECRETS_KEY", "insecure-development-connector-key")
SMS_ROUTING_REFRESH_SECONDS = env.float("SMS_ROUTING_REFRESH_SECONDS", default=1.0)
# A claimed message not answered by the gateway within this time goes back to the queue.
SMS_CLAIM_TIMEOUT_SECONDS = env.int("SMS_CLAIM_TIMEOUT_SECONDS", default=600)
# A periodic task's lock expires after this long: a consumer killed while holding it delays that
# task by at most this much (a longer run may overlap the next one, which every such task allows).
SMS_TASK_LOCK_SECONDS = env.int("SMS_TASK_LOCK_SECONDS", default=300)
SMS_OPT_OUT_KEYWORDS = env.list(
    "SMS_OPT_OUT_KEYWORDS", default=["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]
)
# Tasks queued with each stored reply's id (not for an opt-out word): the apps above messaging that
# answer replies. Keyword auto-replies live in contacts.
SMS_REPLY_TASKS = ["contacts.tasks.keyword_answer"]
# A long reply whose parts have not all arrived this long after its first is stored as it is.
SMS_INBOUND_PART_TIMEOUT_HOURS = env.int("SMS_INBOUND_PART_TIMEOUT_HOURS", default=24)
# Shared secret of the /hooks/ endpoints where HTTP upstreams post receipts and replies (empty: off).
SMS_HOOKS_SECRET = secret("SMS_HOOKS_SECRET", "")
# Callbacks to private, loopback and link-local addresses are refused unless this is on.
SMS_CALLBACKS_ALLOW_PRIVATE = env.bool("SMS_CALLBACKS_ALLOW_PRIVATE", default=False)
# Callbacks run on their own threads in the consumer (never on huey's, which dispatch); a team uses
# at most half of them. A host failing this many times in a row is skipped for the cool-down.
SMS_CALLBACK_WORKERS = env.int("SMS_CALLBACK_WORKERS", default=4)
SMS_CALLBACK_TIMEOUT_SECONDS = env.float("SMS_CALLBACK_TIMEOUT_SECONDS", default=10.0)
SMS_CALLBACK_BREAKER_FAILURES = env.int("SMS_CALLBACK_BREAKER_FAILURES", default=5)
SMS_CALLBACK_BREAKER_SECONDS = env.int("SMS_CALLBACK_BREAKER_SECONDS", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# 2FA PINs (otp): the HMAC key of stored PINs (empty: derived from DJANGO_SECRET_KEY), the PIN
# lifetime, how long the verification log is kept, and the defaults of a new team's 2FA policy.
OTP_HMAC_KEY = secret("OTP_HMAC_KEY", "")
OTP_PIN_TTL_SECONDS = env.int("OTP_PIN_TTL_SECONDS", default=300)
OTP_LOG_RETENTION_DAYS = env.int("OTP_LOG_RETENTION_DAYS", default=30)
OTP_DEFAULT_TEXT_TEMPLATE = env("OTP_DEFAULT_TEXT_TEMPLATE", default="Your code is {pin}")
OTP_DEFAULT_MAX_ATTEMPTS = env.int("OTP_DEFAULT_MAX_ATTEMPTS", default=5)
OTP_DEFAULT_RESEND_COOLDOWN_SECONDS = env.int("OTP_DEFAULT_RESEND_COOLDOWN_SECONDS", default=30)
OTP_DEFAULT_RECEIVER_LIMIT = env.int("OTP_DEFAULT_RECEIVER_LIMIT", default=5)
OTP_DEFAULT_RECEIVER_WINDOW_SECONDS = env.int("OTP_DEFAULT_RECEIVER_WINDOW_SECONDS", default=600)
OTP_DEFAULT_TEAM_HOURLY_LIMIT = env.int("OTP_DEFAULT_TEAM_HOURLY_LIMIT", default=1000)
# PINs one number may get in an hour from all teams together (against pumping spread over accounts).
OTP_RECEIVER_HOURLY_LIMIT = env.int("OTP_RECEIVER_HOURLY_LIMIT", default=10)

# --- Logins and credentials (accounts.access, accounts.backends, accounts.lockout) -------------------
# One rule for "active" (accounts.access): a deactivated user or team cannot log in and open sessions
# end. Failed logins lock out through django-axes (dashboard, admin, password-based API dialects): an
# account after SMS_LOGIN_FAILURES_PER_ACCOUNT failures from any addresses, an address after
# SMS_LOGIN_FAILURES_PER_ADDRESS over any accounts, each for SMS_LOGIN_COOLOFF_MINUTES (a failure while
# locked restarts it).
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last: a lockout becomes the page's 429
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.ActiveAccountBackend"]
SMS_LOGIN_FAILURES_PER_ACCOUNT = env.int("SMS_LOGIN_FAILURES_PER_ACCOUNT", default=5)
SMS_LOGIN_FAILURES_PER_ADDRESS = env.int("SMS_LOGIN_FAILURES_PER_ADDRESS", default=30)
SMS_LOGIN_COOLOFF_MINUTES = env.int("SMS_LOGIN_COOLOFF_MINUTES", default=15)
AXES_HANDLER = "accounts.lockout.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "accounts.lockout.cool_off_time"
AXES_USERNAME_FORM_FIELD = "username"  # as authenticate() and the login forms name it (not USERNAME_FIELD)
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a success would also clear its address's count, which another account could use
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "_login", "_password", "api_key", "api_token", "token", "pin"]
AXES_VERBOSE = False  # no start-up banner on every management command
# No secret in any log line (core/logsecrets.py): every handler masks credential parameters and the
# URL-sending token, including the development server's request lines ("django.server").
LOGGING["filters"] = {"mask_secrets": {"()": "core.logsecrets.MaskSecretsFilter"}}
LOGGING["formatters"] = {
    "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
}
LOGGING["handlers"]["console"]["filters"] = ["mask_secrets"]
LOGGING["handlers"]["django.server"] = {
    "class": "logging.StreamHandler",
    "formatter": "django.server",
    "filters": ["mask_secrets"],
}
# The huey consumer's lines through one handler, once: with a handler here, `run_huey` adds none of
# its own, and nothing propagates to the root handler too (each line was printed twice).
LOGGING["formatters"]["huey"] = {"format": "[{asctime}] {levelname} {name}: {message}", "style": "{"}
LOGGING["handlers"]["huey"] = {"class": "logging.StreamHandler", "formatter": "huey", "filters": ["mask_secrets"]}
LOGGING.setdefault("loggers", {})["huey"] = {"handlers": ["huey"], "level": "INFO", "propagate": False}
LOGGING.setdefault("loggers", {})["django.server"] = {
    "handlers": ["django.server"],
    "level": "INFO",
    "propagate": False,
}

# --- Operations (ops/): health, metrics, structured logs, errors ---------------------------------------
INSTALLED_APPS += ["ops"]
# /health/ready fails when no huey consumer beat within this many seconds; each consumer beats this often.
SMS_HEARTBEAT_MAX_AGE_SECONDS = env.int("SMS_HEARTBEAT_MAX_AGE_SECONDS", default=60)
SMS_HEARTBEAT_INTERVAL_SECONDS = env.int("SMS_HEARTBEAT_INTERVAL_SECONDS", default=15)
# Every request timed for /metrics (first, so it times the rest).
MIDDLEWARE.insert(0, "ops.middleware.RequestMetricsMiddleware")
# /metrics answers a scraper presenting `Authorization: Bearer <SMS_METRICS_TOKEN>`; with no token set,
# only calls from these addresses (behind a proxy every call comes from the proxy: set a token).
SMS_METRICS_TOKEN = secret("SMS_METRICS_TOKEN", "")
SMS_METRICS_ALLOWED_ADDRESSES = env.list("SMS_METRICS_ALLOWED_ADDRESSES", default=["127.0.0.1", "::1"])
# One structured line per request (django-structlog) and per huey task (ops/logs.py), with a request id
# that follows into the tasks; JSON or readable text (DJANGO_LOG_FORMAT: console here, json in production).
INSTALLED_APPS += ["django_structlog"]
MIDDLEWARE.insert(1, "django_structlog.middlewares.RequestMiddleware")
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = 10  # DEBUG: only `request_finished` at INFO, one line a request
LOGGING["formatters"].update(console={"()": "ops.logs.console_formatter"}, json={"()": "ops.logs.json_formatter"})
LOGGING["handlers"]["console"]["formatter"] = env("DJANGO_LOG_FORMAT", default="console")
# huey's own per-task INFO lines (logger `huey`) are dropped, ours is `task_finished`; the consumer's
# (`huey.consumer`: start, stop, workers) still print, once, through the handler above.
LOGGING["loggers"]["huey"]["level"] = "WARNING"
LOGGING["loggers"]["huey.consumer"] = {"level": "INFO"}
# Errors to Sentry when SENTRY_DSN is set, secrets scrubbed before sending (ops/sentry.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from ops.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
# Content-Security-Policy (django-csp) on the dashboard: scripts, styles and everything else only from
# this server (the vendored Pico CSS and Chart.js), nothing inline. The API (JSON, and drf-spectacular's
# Swagger UI and ReDoc pages, which inline their loaders) and the Django admin are left out.
MIDDLEWARE += ["csp.middleware.CSPMiddleware"]
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/", "/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Pico's icons are data: SVGs
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# API paths get this shorter chain (config/handler.py): the dialects authenticate every request by
# its own credentials, so what only pages use (sessions, CSRF, login, messages, static files, the
# lockout page, the dashboard's Content-Security-Policy) is left out of the hottest paths. (The
# policy's EXCLUDE_URL_PREFIXES still says /api/ for a handler with the whole chain, as tests use.)
PAGE_ONLY_MIDDLEWARE = {
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "api.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ActiveSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.DomainErrorPagesMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
}
API_MIDDLEWARE = [name for name in MIDDLEWARE if name not in PAGE_ONLY_MIDDLEWARE]
