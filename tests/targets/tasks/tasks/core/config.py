"""Settings from the environment, as the template reads them; default secrets are refused
outside local mode."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

API_V1_STR = "/api/v1"
# the project's .env: local defaults that the environment overrides, as pydantic-settings reads it
ENV_FILE = Path(__file__).resolve().parents[2] / ".env"
# deliberate bugs a test may switch on (TASKS_BUGS, comma-separated)
KNOWN_BUGS = frozenset({"negative_limit"})
_REQUIRED = (
    "POSTGRES_SERVER",
    "POSTGRES_USER",
    "POSTGRES_DB",
    "FIRST_SUPERUSER",
    "FIRST_SUPERUSER_PASSWORD",
    "SECRET_KEY",
)
_PLACEHOLDER = "changethis"


class ConfigError(Exception):
    """The environment does not describe a runnable service."""


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; none when there is no file."""
    if not path.is_file():
        return {}
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            found[key.strip()] = value.strip()
    return found


@dataclass(frozen=True)
class Settings:
    postgres_server: str
    postgres_port: int
    postgres_user: str
    postgres_password: str
    postgres_db: str
    first_superuser: str
    first_superuser_password: str
    secret_key: str
    environment: str = "local"
    access_token_expire_minutes: int = 60 * 24 * 8
    bugs: frozenset[str] = frozenset()

    @classmethod
    def load(cls) -> Settings:
        """The .env file's values, each overridden by the environment's when set there."""
        return cls.from_env({**read_env_file(ENV_FILE), **os.environ})

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        missing = [name for name in _REQUIRED if not env.get(name)]
        if missing:
            raise ConfigError(f"set {', '.join(missing)} in the environment.")
        environment = env.get("ENVIRONMENT", "local")
        for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "FIRST_SUPERUSER_PASSWORD"):
            if env.get(name) == _PLACEHOLDER and environment != "local":
                raise ConfigError(f"{name} is {_PLACEHOLDER!r}; change it outside local mode.")
        bugs = frozenset(b.strip() for b in env.get("TASKS_BUGS", "").split(",") if b.strip())
        if bugs - KNOWN_BUGS:
            raise ConfigError(f"TASKS_BUGS: unknown {sorted(bugs - KNOWN_BUGS)}.")
        return cls(
            postgres_server=env["POSTGRES_SERVER"],
            postgres_port=int(env.get("POSTGRES_PORT", "5432")),
            postgres_user=env["POSTGRES_USER"],
            postgres_password=env.get("POSTGRES_PASSWORD", ""),
            postgres_db=env["POSTGRES_DB"],
            first_superuser=env["FIRST_SUPERUSER"],
            first_superuser_password=env["FIRST_SUPERUSER_PASSWORD"],
            secret_key=env["SECRET_KEY"],
            environment=environment,
            bugs=bugs,
        )

    @property
    def conninfo(self) -> str:
        return make_conninfo(
            host=self.postgres_server,
            port=self.postgres_port,
            user=self.postgres_user,
            password=self.postgres_password,
            dbname=self.postgres_db,
        )
