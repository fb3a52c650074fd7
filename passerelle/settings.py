"""Every setting in one pydantic settings object, read from ``PASSERELLE_*`` variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    root = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(root) / "passerelle"


class Settings(BaseSettings):
    """Runtime configuration; defaults suit a single machine serving the bundled graph."""

    model_config = SettingsConfigDict(env_prefix="PASSERELLE_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    base_iri: str = "https://w3id.org/passerelle/id/"
    public_url: str = "http://127.0.0.1:8000"
    api_tokens: str = ""
    query_timeout_s: float = 20.0
    query_max_rows: int = 10_000
    query_max_body: int = 1024 * 1024
    query_max_depth: int = 200
    query_concurrency: int = 4
    write_max_body: int = 10 * 1024 * 1024
    standards_dir: Path | None = None
    # The DCAT-AP catalogue's publisher, licence and contact (GET /catalog, export --profile).
    publisher_name: str = "Passerelle contributors"
    publisher_iri: str = ""
    licence_iri: str = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    contact_email: str = ""
    # Writes run one at a time: how many more may wait (past that, 503 with Retry-After), the
    # longest literal a write may hold (413 past it), and how long a stopping server lets
    # requests in progress finish before it abandons them.
    write_queue: int = Field(default=4, ge=0)
    write_max_literal: int = Field(default=1024 * 1024, ge=1)
    write_retry_after_s: int = Field(default=5, ge=1)
    shutdown_timeout_s: int = Field(default=5, ge=1)

    @property
    def publisher(self) -> str:
        """The publisher's IRI: the contributors' agent of the seed graph unless configured."""
        return self.publisher_iri or self.base_iri + "agent/passerelle-contributors"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"


@lru_cache
def get_settings() -> Settings:
    return Settings()
