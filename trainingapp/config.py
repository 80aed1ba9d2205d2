"""Default settings. Secrets never live here: see ``trainingapp._load_secret_key``."""

from __future__ import annotations

from datetime import timedelta


class DefaultConfig:
    # Relative SQLite paths are resolved inside the instance folder by Flask-SQLAlchemy.
    SQLALCHEMY_DATABASE_URI = "sqlite:///trainingapp.sqlite3"
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    # A pooled database connection idle this long (seconds) is pinged before use, and replaced
    # when its server went away (see common.dbtx.ping_when_idle).
    DATABASE_PING_AFTER_IDLE = 10

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Keep me signed in" lasts two weeks (Flask-Login's default is a year); the cookie is
    # Secure whenever the session cookie is (unless REMEMBER_COOKIE_SECURE is set itself).
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    SESSION_COOKIE_SECURE = False  # set FLASK_SESSION_COOKIE_SECURE=true behind HTTPS

    # Number of reverse proxies in front of the app (nginx: 1). 0 trusts no X-Forwarded-* header.
    PROXY_FIX_X_FOR = 0

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute; 50 per hour"
    # A whole office may register from behind one NAT address.
    REGISTRATION_RATE_LIMIT = "120 per minute"

    # Invitation letters: the place name (địa danh) and whom units call; empty: the clerk fills in.
    LETTER_PLACE = ""
    LETTER_ORGANIZER_CONTACT = ""
    # The signer of invitation letters, e.g. "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" and "Nguyễn Văn A";
    # empty: Decree 30/2020's placeholders, for the clerk.
    LETTER_SIGNER_TITLE = ""
    LETTER_SIGNER_NAME = ""

    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "trainingapp@localhost"
    MAIL_TIMEOUT = 10  # seconds to wait for the SMTP server
    # Folder for .eml files when no MAIL_SERVER is set (default instance/outbox).
    MAIL_OUTBOX = None
    # Who sends the queued mail: "thread" (in each web process), "worker" (`flask mail worker`
    # processes only) or "sync" (inside the commit; tests).
    MAIL_SENDER = "thread"
    MAIL_POLL_SECONDS = 5  # how often a sender looks for due mail besides being woken
    # A woken sender thread sends once its process has served no request for this long, and
    # at the latest MAIL_MAX_DELAY_SECONDS after waking: a burst of registrations is not slowed
    # by composing its mail.
    MAIL_GATHER_SECONDS = 0.5
    MAIL_MAX_DELAY_SECONDS = 30
    # A background job whose process died is taken up again by another after this long.
    JOB_LEASE_SECONDS = 300
    # Where jobs keep their progress and files (a ZIP of certificates); default instance/jobs.
    JOB_FOLDER = None
    MAIL_MAX_ATTEMPTS = 20  # failed attempts before a message is marked failed
    MAIL_BACKOFF_SECONDS = 30  # wait after the first failure; doubles each time, at most 1 h
    # Site root for links in mail, e.g. "https://taphuan.example.gov.vn/" (default: the request's).
    BASE_URL = None
    # Host names the app answers to (others get 400), e.g. ["taphuan.example.gov.vn"] or
    # "taphuan.example.gov.vn,10.0.0.5"; default: BASE_URL's host, localhost and 127.0.0.1.
    TRUSTED_HOSTS = None

    # Seconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT = 30

    ITEMS_PER_PAGE = 50

    # Fragments of the public pages (the same for every visitor, never personal data). None:
    # "RedisCache" when CACHE_REDIS_URL is set (shared by every worker and host), else
    # "SimpleCache" in each process. A course's version in every key makes an edit show at once.
    CACHE_TYPE: str | None = None
    CACHE_REDIS_URL: str | None = None
    CACHE_KEY_PREFIX = "trainingapp:"
    CACHE_DEFAULT_TIMEOUT = 600  # seconds
    CACHE_THRESHOLD = 2000  # entries of the in-process cache

    # The personal data notice (/privacy): who controls the data; empty: "the course's organizing
    # unit". Requests from participants are due 2 working days later: weekends and these public
    # holidays (ISO dates) are skipped. The weekdays off for public servants: 2026 as announced
    # for Tết Dương lịch (01-04/01) and Tết (14-22/02), with Giỗ Tổ (Sun 26/04, 27/04 in lieu),
    # 30/04-01/05 and Quốc khánh 02/09 with the day before by the Labour Code; 2027 by the Labour
    # Code alone (Tết on 06/02, Giỗ Tổ 16/04, days in lieu of holidays on a weekend). Check them
    # against each year's official notice.
    PRIVACY_CONTROLLER = ""
    PUBLIC_HOLIDAYS: tuple[str, ...] = (
        "2026-01-01",
        "2026-01-02",
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-02-19",
        "2026-02-20",
        "2026-04-27",
        "2026-04-30",
        "2026-05-01",
        "2026-09-01",
        "2026-09-02",
        "2027-01-01",
        "2027-02-05",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-02-11",
        "2027-04-16",
        "2027-04-30",
        "2027-05-03",
        "2027-09-02",
        "2027-09-03",
    )

    # Months after a course ends that its participants' personal data is kept, unless the course
    # sets its own (1 to 240); then `flask retention run` anonymises it.
    RETENTION_MONTHS = 24

    # Certificates: numbers are "{n}/{year}/{suffix}" (12/2026/GCN); /verify/<code> is public.
    CERTIFICATE_NUMBER_SUFFIX = "GCN"
    VERIFY_RATE_LIMIT = "30 per minute; 300 per hour"
    # The course's evaluation QR page, where a check-in code or phone opens the form.
    EVALUATION_LOOKUP_RATE_LIMIT = "60 per minute"

    # Largest request body (uploaded lists); larger ones get the 413 page before any parsing.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
