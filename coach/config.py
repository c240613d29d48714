"""Settings: environment variables, then an optional TOML file, then defaults.

Environment: OPENAI_API_KEY, OPENAI_BASE_URL, COACH_MODEL and COACH_* for the rest.
TOML file: $COACH_CONFIG, else <XDG config dir>/coach/config.toml (keys are the field names,
e.g. `model = "llama3.1"`, `base_url = "http://localhost:11434/v1"`).
Data: $COACH_HOME, else the XDG data dir. Tests set COACH_HOME so they never touch the user's home.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "coach"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


def config_file() -> Path:
    explicit = os.environ.get("COACH_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore", populate_by_name=True)

    # LLM (any OpenAI-compatible server). Unset key and base URL = guided (offline) mode.
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "COACH_API_KEY", "api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "COACH_BASE_URL", "base_url")
    )
    model: str | None = None
    temperature: float = 0.3
    request_timeout: float = 60.0
    max_retries: int = 2
    context_window: int = 16_000

    # Data and retrieval
    home: Path | None = None
    chroma_url: str | None = None
    embeddings: Literal["minilm", "openai"] = "minilm"
    openai_embedding_model: str = "text-embedding-3-small"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    # ---- derived -------------------------------------------------------------------------
    @property
    def llm_enabled(self) -> bool:
        """An LLM is used when a key or a server URL is configured."""
        return self.api_key is not None or self.base_url is not None

    @property
    def llm_model(self) -> str | None:
        if self.model:
            return self.model
        # OpenAI itself has a sensible default; a custom server must be told which model to use.
        return DEFAULT_OPENAI_MODEL if self.base_url is None and self.api_key is not None else None

    @property
    def api_key_value(self) -> str:
        # Local servers (Ollama, vLLM, LM Studio) accept any key; the client library insists on one.
        return self.api_key.get_secret_value() if self.api_key else "not-needed"

    @cached_property
    def data_dir(self) -> Path:
        root = self.home if self.home else Path(platformdirs.user_data_dir(APP_NAME))
        root = root.expanduser()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return root

    @property
    def tracker_db(self) -> Path:
        return self.data_dir / "tracker.db"

    @property
    def conversations_db(self) -> Path:
        return self.data_dir / "conversations.db"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        path = self.data_dir / "cache"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def describe_mode(self) -> str:
        """One line for status bars and `coach --version`-style output. Never includes the key."""
        if not self.llm_enabled:
            return "guided (offline): set OPENAI_API_KEY, or OPENAI_BASE_URL and COACH_MODEL, to use an LLM"
        server = self.base_url or "api.openai.com"
        return f"LLM {self.llm_model or '(set COACH_MODEL)'} @ {server}"


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
