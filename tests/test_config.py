from __future__ import annotations

import stat
from pathlib import Path

import pytest

from coc_service.config import Settings, ensure_dev_secret, settings_from_env
from coc_service.errors import ConfigError


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = settings_from_env({"COC_VAR_DIR": str(tmp_path)})
    assert settings.env == "development"
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_storage_root == tmp_path / "storage"
    assert settings.resolved_mail_dir == tmp_path / "mail"


def test_each_bad_value_is_named() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_env({"COC_MAX_PAGES": "-3", "REDIS_URL": "localhost:6379",
                           "COC_STORAGE_BACKEND": "ftp", "COC_SMTP_PORT": "abc"})
    text = str(info.value)
    for var in ("COC_MAX_PAGES", "REDIS_URL", "COC_STORAGE_BACKEND", "COC_SMTP_PORT"):
        assert var in text
    assert len(info.value.problems) == 4


def test_choices_keep_their_canonical_spelling() -> None:
    settings = settings_from_env({"COC_S3_SSE": "aes256", "COC_LOG_LEVEL": "DEBUG"})
    assert settings.s3_sse == "AES256"
    assert settings.log_level == "DEBUG"
    assert settings_from_env({"COC_S3_SSE": "none"}).s3_sse == ""


def test_s3_needs_a_bucket() -> None:
    with pytest.raises(ConfigError, match="COC_S3_BUCKET"):
        settings_from_env({"COC_STORAGE_BACKEND": "s3"})


def test_production_refuses_embedded_defaults_and_dev_secrets() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_env({"COC_ENV": "production", "COC_SECRET_KEY": "dev-short"})
    text = str(info.value)
    for var in ("COC_SECRET_KEY", "DATABASE_URL", "COC_STORAGE_BACKEND", "COC_KEY_PROVIDER",
                "COC_MAIL_BACKEND", "COC_BASE_URL"):
        assert var in text


def test_production_accepts_a_real_configuration() -> None:
    settings = settings_from_env({
        "COC_ENV": "production", "COC_SECRET_KEY": "x" * 48,
        "DATABASE_URL": "postgresql://coc@db.internal/coc", "COC_STORAGE_BACKEND": "s3",
        "COC_S3_BUCKET": "coc-docs", "COC_KEY_PROVIDER": "kms", "COC_KMS_KEY_ID": "alias/coc",
        "COC_MAIL_BACKEND": "smtp", "COC_BASE_URL": "https://coc.example.fr",
    })
    assert settings.is_production
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.log_format == "json"
    assert settings.session_cookie_secure


def test_dev_secret_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = ensure_dev_secret(Settings(var_dir=tmp_path))
    second = ensure_dev_secret(Settings(var_dir=tmp_path))
    assert first.secret_key and first.secret_key == second.secret_key
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_bad_setting_gives_a_clear_cli_message(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from coc_service.cli import main

    result = CliRunner().invoke(main, ["db", "upgrade"],
                                env={"COC_VAR_DIR": str(tmp_path), "COC_MAX_PAGES": "many"})
    assert result.exit_code == 2
    assert "COC_MAX_PAGES" in result.output
    assert "Traceback" not in result.output
