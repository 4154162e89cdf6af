"""Settings from the environment or a `.env` file (names are part of the public contract)."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES

DEFAULT_DATABASE_URL = "sqlite:///clusterbot.db"
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Mixed with the bot token to derive the webhook secret when none is configured (any fixed text).
WEBHOOK_SECRET_LABEL = b"clusterbot telegram webhook secret"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias=_env("CLUSTERBOT_DATABASE_URL"))
    http_host: str = Field("127.0.0.1", validation_alias=_env("CLUSTERBOT_HTTP_HOST"))
    http_port: int = Field(8080, ge=0, le=65535, validation_alias=_env("CLUSTERBOT_HTTP_PORT"))
    # /metrics on a port of its own (empty: on the HTTP server's port with everything else).
    metrics_port: int | None = Field(None, ge=0, le=65535, validation_alias=_env("CLUSTERBOT_METRICS_PORT"))
    admins: str = Field("", validation_alias=_env("CLUSTERBOT_ADMINS"))
    default_timezone: str = Field("Europe/Madrid", validation_alias=_env("CLUSTERBOT_TIMEZONE"))
    # For people who chose no language and whose app says none of en, ca, es, fr, pt.
    default_language: str = Field(DEFAULT_LANGUAGE, validation_alias=_env("CLUSTERBOT_LANGUAGE"))
    log_level: str = Field("INFO", validation_alias=_env("CLUSTERBOT_LOG_LEVEL"))
    log_format: Literal["plain", "json"] = Field("plain", validation_alias=_env("CLUSTERBOT_LOG_FORMAT"))
    # Proactive messages per second, overall, per platform (each chat also gets at most one a second).
    telegram_rate: float = Field(30.0, gt=0, le=1000, validation_alias=_env("CLUSTERBOT_TELEGRAM_RATE"))
    slack_rate: float = Field(20.0, gt=0, le=1000, validation_alias=_env("CLUSTERBOT_SLACK_RATE"))
    # How long a claimed outbox row stays with a process before another may send it (after a crash).
    outbox_lease_seconds: float = Field(120.0, ge=1, validation_alias=_env("CLUSTERBOT_OUTBOX_LEASE_SECONDS"))
    # Members silent this many months (of 30 days) are warned, then erased 30 days later; 0: never.
    retention_inactive_months: int = Field(
        0, ge=0, le=1200, validation_alias=_env("CLUSTERBOT_RETENTION_INACTIVE_MONTHS")
    )
    # Days after which the text of a message sent (or given up on) is dropped; 0: kept.
    retention_outbox_days: int = Field(
        30, ge=0, le=36500, validation_alias=_env("CLUSTERBOT_RETENTION_OUTBOX_DAYS")
    )
    # How long `clusterbot run` keeps trying a database or platform that is not reachable yet.
    startup_retry_seconds: float = Field(
        30.0, ge=0, le=3600, validation_alias=_env("CLUSTERBOT_STARTUP_RETRY_SECONDS")
    )
    # The address people reach the HTTP server at (calendar feeds); empty: http://HOST:PORT.
    public_url: str = Field("", validation_alias=_env("CLUSTERBOT_PUBLIC_URL"))

    telegram_bot_token: str = Field("", validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias=_env("TELEGRAM_API_BASE_URL")
    )
    telegram_webhook_url: str = Field("", validation_alias=_env("TELEGRAM_WEBHOOK_URL"))
    telegram_webhook_secret: str = Field("", validation_alias=_env("TELEGRAM_WEBHOOK_SECRET"))
    # The bot's @username without the @, for invitation links t.me/<username>?start=<token>.
    telegram_bot_username: str = Field("", validation_alias=_env("TELEGRAM_BOT_USERNAME"))

    slack_bot_token: str = Field("", validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str = Field("", validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: str = Field("", validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_base_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_BASE_URL"))
    # Installable in several workspaces (README: Several Slack workspaces): the app's OAuth
    # credentials, and where Slack sends the installer back (empty: CLUSTERBOT_PUBLIC_URL +
    # /slack/oauth_redirect, or the manifest's only redirect URL when that is empty too).
    slack_client_id: str = Field("", validation_alias=_env("SLACK_CLIENT_ID"))
    slack_client_secret: str = Field("", validation_alias=_env("SLACK_CLIENT_SECRET"))
    slack_redirect_url: str = Field("", validation_alias=_env("SLACK_REDIRECT_URL"))
    # The app's ID (A0…, on the app's Basic Information page), for share links that open the app.
    slack_app_id: str = Field("", validation_alias=_env("SLACK_APP_ID"))

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+", "postgres://")):
            raise ValueError("use sqlite:///FILE or postgresql://USER@HOST/DB")
        return value.replace("postgres://", "postgresql://", 1)

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("admins")
    @classmethod
    def _admin_list(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            platform, _, user = item.partition(":")
            if not platform or not user:
                raise ValueError(f"'{item}' should look like telegram:123 or slack:U0ABC")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"use one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("use an address such as https://bot.example.org")
        return value.rstrip("/")

    @field_validator("slack_redirect_url")
    @classmethod
    def _redirect_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(
                "use the address Slack sends installers back to, https://HOST/slack/oauth_redirect"
            )
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str) -> str:
        if value and not WEBHOOK_SECRET_SHAPE.fullmatch(value):
            raise ValueError("use 1 to 256 of the characters A-Z a-z 0-9 _ -")
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _username(cls, value: str) -> str:
        return value.strip().removeprefix("@")

    @property
    def feed_base_url(self) -> str:
        """CLUSTERBOT_PUBLIC_URL, else the HTTP server's own address (right for one machine only)."""
        return self.public_url or f"http://{self.http_host}:{self.http_port}"

    @property
    def webhook_secret(self) -> str:
        """TELEGRAM_WEBHOOK_SECRET, else one derived from the bot token: every process of one bot
        derives the same, so none of them replaces the secret the others check (a random one per
        process did, and the last to start won)."""
        if self.telegram_webhook_secret:
            return self.telegram_webhook_secret
        token = self.telegram_bot_token.encode()
        return hmac.new(WEBHOOK_SECRET_LABEL, token, hashlib.sha256).hexdigest()

    @property
    def slack_oauth(self) -> bool:
        """Installable through /slack/install: both OAuth credentials are set."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_configured(self) -> bool:
        """Slack runs with a signing secret and a bot token, an OAuth install flow, or both."""
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_oauth))

    @property
    def slack_redirect(self) -> str | None:
        if self.slack_redirect_url:
            return self.slack_redirect_url
        return f"{self.public_url}/slack/oauth_redirect" if self.public_url else None

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.admins.split(",") if part.strip())


class SettingsError(Exception):
    """One line that says which setting is wrong and why."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"{_setting_name(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()
        )
        raise SettingsError(f"invalid setting: {problems}") from None


def _setting_name(location: tuple[object, ...]) -> str:
    field = str(location[0]) if location else "?"
    alias = Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field
