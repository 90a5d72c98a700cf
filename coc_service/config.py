"""Typed settings, read from the environment by the app factory and the CLI only.

Every value has an embedded default so that `make run` needs no configuration at all; the
production mode refuses those defaults that must never reach real customers.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from coc_service.errors import ConfigError

ENVIRONMENTS = ("development", "test", "production")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    var_dir: Path = Path("var")
    secret_key: str = ""
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    base_url: str = "http://127.0.0.1:5000"
    # documents
    storage_backend: str = "local"
    storage_root: Path | None = None
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "eu-west-3"
    s3_sse: str = "AES256"
    s3_sse_kms_key_id: str = ""
    # keys
    key_provider: str = "local"
    master_key_path: Path | None = None
    kms_key_id: str = ""
    kms_endpoint_url: str = ""
    # mail
    mail_backend: str = "file"
    mail_dir: Path | None = None
    mail_from: str = "Certificats COC <no-reply@coc.example.fr>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # uploads (the document pipeline's Limits)
    max_upload_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_pages: int = 6
    stage_timeout_s: float = 30.0
    # a `coc-service worker documents` keeps a warmed child for the next upload: lower latency
    # for about 0.1 s of CPU per upload (coc_service/documents/standby.py)
    document_standby: bool = True
    # checks and triage
    name_match_threshold: float = 85.0
    readable_confidence: float = 0.6
    triage_policy_file: Path | None = None
    # privacy: overrides of the retention durations (coc_service/privacy/policy.py)
    retention_policy_file: Path | None = None
    # queue and scheduler
    reconcile_after_s: int = 600
    job_retries: int = 3
    # web
    session_cookie_secure: bool = False
    rate_limit_login_per_15min: int = 10
    rate_limit_api_per_minute: int = 120
    # logs
    log_format: str = "console"
    log_level: str = "INFO"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.var_dir / 'coc.db').resolve()}"

    @property
    def resolved_storage_root(self) -> Path:
        return self.storage_root or self.var_dir / "storage"

    @property
    def resolved_master_key_path(self) -> Path:
        return self.master_key_path or self.var_dir / "master.key"

    @property
    def resolved_mail_dir(self) -> Path:
        return self.mail_dir or self.var_dir / "mail"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    canonical = {a.lower(): a for a in allowed}

    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in canonical:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return canonical[value]

    return parse


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if not any(value.startswith(f"{s}:") for s in schemes):
            raise ValueError(f"must be a URL starting with {' or '.join(s + ':' for s in schemes)}")
        return value

    return parse


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _str(raw: str) -> str:
    return raw.strip()


# setting name -> (environment variable, parser)
_ENV: dict[str, tuple[str, Callable[[str], Any]]] = {
    "env": ("COC_ENV", _choice(*ENVIRONMENTS)),
    "var_dir": ("COC_VAR_DIR", _path),
    "secret_key": ("COC_SECRET_KEY", _str),
    "database_url": (
        "DATABASE_URL",
        _url("sqlite", "postgresql", "postgresql+psycopg", "postgres"),
    ),
    "redis_url": ("REDIS_URL", _url("redis", "rediss", "unix")),
    "base_url": ("COC_BASE_URL", _url("http", "https")),
    "storage_backend": ("COC_STORAGE_BACKEND", _choice("local", "s3")),
    "storage_root": ("COC_STORAGE_ROOT", _path),
    "s3_bucket": ("COC_S3_BUCKET", _str),
    "s3_endpoint_url": ("COC_S3_ENDPOINT_URL", _url("http", "https")),
    "s3_region": ("AWS_REGION", _str),
    "s3_sse": ("COC_S3_SSE", _choice("AES256", "aws:kms", "none")),
    "s3_sse_kms_key_id": ("COC_S3_SSE_KMS_KEY_ID", _str),
    "key_provider": ("COC_KEY_PROVIDER", _choice("local", "kms")),
    "master_key_path": ("COC_MASTER_KEY_FILE", _path),
    "kms_key_id": ("COC_KMS_KEY_ID", _str),
    "kms_endpoint_url": ("COC_KMS_ENDPOINT_URL", _url("http", "https")),
    "mail_backend": ("COC_MAIL_BACKEND", _choice("file", "smtp")),
    "mail_dir": ("COC_MAIL_DIR", _path),
    "mail_from": ("COC_MAIL_FROM", _str),
    "smtp_host": ("COC_SMTP_HOST", _str),
    "smtp_port": ("COC_SMTP_PORT", _positive_int),
    "smtp_user": ("COC_SMTP_USER", _str),
    "smtp_password": ("COC_SMTP_PASSWORD", _str),
    "smtp_starttls": ("COC_SMTP_STARTTLS", _bool),
    "max_upload_bytes": ("COC_MAX_UPLOAD_BYTES", _positive_int),
    "max_pixels": ("COC_MAX_PIXELS", _positive_int),
    "max_pages": ("COC_MAX_PAGES", _positive_int),
    "stage_timeout_s": ("COC_STAGE_TIMEOUT_S", _positive_float),
    "document_standby": ("COC_DOCUMENT_STANDBY", _bool),
    "name_match_threshold": ("COC_NAME_MATCH_THRESHOLD", _positive_float),
    "readable_confidence": ("COC_READABLE_CONFIDENCE", _positive_float),
    "triage_policy_file": ("COC_TRIAGE_POLICY_FILE", _path),
    "retention_policy_file": ("COC_RETENTION_POLICY_FILE", _path),
    "reconcile_after_s": ("COC_RECONCILE_AFTER_S", _positive_int),
    "job_retries": ("COC_JOB_RETRIES", _positive_int),
    "session_cookie_secure": ("COC_SESSION_COOKIE_SECURE", _bool),
    "rate_limit_login_per_15min": ("COC_RATE_LIMIT_LOGIN", _positive_int),
    "rate_limit_api_per_minute": ("COC_RATE_LIMIT_API", _positive_int),
    "log_format": ("COC_LOG_FORMAT", _choice("console", "json")),
    "log_level": ("COC_LOG_LEVEL", _choice("debug", "info", "warning", "error")),
}

SETTING_ENV_VARS = {name: env for name, (env, _) in _ENV.items()}


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Return validated settings from the environment; raise ConfigError naming each bad value."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, (var, parse) in _ENV.items():
        raw = environ.get(var)
        if raw is None or raw == "":
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            problems.append(f"{var}: {exc}")
    if problems:
        raise ConfigError(problems)
    if "log_level" in values:
        values["log_level"] = values["log_level"].upper()
    if values.get("s3_sse") == "none":
        values["s3_sse"] = ""
    if values.get("database_url", "").startswith(("postgres://", "postgresql://")):
        url = values["database_url"]
        values["database_url"] = "postgresql+psycopg://" + url.split("://", 1)[1]
    env = values.get("env", "development")
    if env == "production":
        values.setdefault("log_format", "json")
        values.setdefault("session_cookie_secure", True)
    values.update(overrides)
    known = {f.name for f in fields(Settings)}
    return validate(Settings(**{k: v for k, v in values.items() if k in known}))


def validate(settings: Settings) -> Settings:
    """Return the settings if coherent; raise ConfigError listing every problem."""
    problems: list[str] = []
    if settings.env not in ENVIRONMENTS:
        problems.append(f"COC_ENV: must be one of {', '.join(ENVIRONMENTS)}")
    if settings.storage_backend == "s3" and not settings.s3_bucket:
        problems.append("COC_S3_BUCKET: required when COC_STORAGE_BACKEND=s3")
    if settings.key_provider == "kms" and not settings.kms_key_id:
        problems.append("COC_KMS_KEY_ID: required when COC_KEY_PROVIDER=kms")
    if settings.s3_sse == "aws:kms" and settings.storage_backend == "s3" and not (
        settings.s3_sse_kms_key_id or settings.kms_key_id
    ):
        problems.append("COC_S3_SSE_KMS_KEY_ID: required when COC_S3_SSE=aws:kms")
    if settings.name_match_threshold > 100:
        problems.append("COC_NAME_MATCH_THRESHOLD: a score from 1 to 100")
    if settings.readable_confidence > 1:
        problems.append("COC_READABLE_CONFIDENCE: a confidence from 0 to 1")
    if settings.triage_policy_file is not None:
        try:
            json.loads(settings.triage_policy_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"COC_TRIAGE_POLICY_FILE: cannot be read as JSON ({exc})")
    if settings.retention_policy_file is not None:
        try:
            json.loads(settings.retention_policy_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"COC_RETENTION_POLICY_FILE: cannot be read as JSON ({exc})")
    if settings.is_production:
        problems.extend(_production_problems(settings))
    if problems:
        raise ConfigError(problems)
    return settings


def _production_problems(settings: Settings) -> list[str]:
    problems = []
    if len(settings.secret_key) < 32 or settings.secret_key.startswith("dev-"):
        problems.append(
            "COC_SECRET_KEY: production needs a random secret of at least 32 characters"
        )
    if not settings.database_url or settings.database_url.startswith("sqlite"):
        problems.append("DATABASE_URL: production needs PostgreSQL, not the embedded SQLite file")
    if settings.storage_backend != "s3":
        problems.append(
            "COC_STORAGE_BACKEND: production stores documents on S3, not a local folder"
        )
    if settings.key_provider != "kms":
        problems.append("COC_KEY_PROVIDER: production wraps data keys with KMS, not a key file")
    if settings.mail_backend != "smtp":
        problems.append("COC_MAIL_BACKEND: production sends mail by SMTP")
    if not settings.base_url.startswith("https://"):
        problems.append("COC_BASE_URL: production links must use https://")
    if not settings.session_cookie_secure:
        problems.append("COC_SESSION_COOKIE_SECURE: must be true in production")
    return problems


def ensure_dev_secret(settings: Settings) -> Settings:
    """Return settings with a development secret, kept in var/ (mode 0600) across restarts."""
    if settings.secret_key or settings.is_production:
        return settings
    path = settings.var_dir / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("dev-" + secrets.token_urlsafe(32))
    return replace(settings, secret_key=path.read_text().strip())
