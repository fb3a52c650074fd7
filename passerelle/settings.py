"""Every setting in one pydantic settings object, read from ``PASSERELLE_*`` variables.

API tokens (``PASSERELLE_API_TOKENS``) are entries separated by commas or newlines, each
``NAME:SECRET`` or ``NAME/SCOPE:SECRET``:
- ``NAME`` is required: letters, digits, ``.``, ``_``, ``-``; it names the token in the
  operator's own settings and logs and is never published.
- ``SCOPE`` is ``editor`` (the default: records, any graph that is not a vocabulary) or
  ``admin`` (the vocabularies too: the ontology, the concept schemes, the alignments).
- ``SECRET`` is everything after the first colon, so a secret may itself hold colons; spaces
  around the name, the scope and the secret are trimmed, nothing else is changed.
An entry with no name, an unknown scope, an empty secret or a name or secret given twice stops
the server at start with a message naming the entry by position (never echoing a secret).
``PASSERELLE_AUDIT_NAMES`` (``NAME=Public name`` entries, comma-separated) says who the audit
graph and ``/api/changes`` show as the author of a token's changes; a token it does not list is
shown by its scope (``editor``, ``admin``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from passerelle.errors import PasserelleError

SCOPES = ("editor", "admin")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class ApiToken:
    """One configured token: its private name, what it may change, whom the audit shows."""

    name: str
    secret: bytes
    scope: str = "editor"
    public: str = "editor"

    @property
    def may_change_vocabularies(self) -> bool:
        return self.scope == "admin"


def _entries(text: str) -> list[str]:
    return [e.strip() for e in re.split(r"[,\n]", text) if e.strip()]


def parse_tokens(configured: str, audit_names: str = "") -> list[ApiToken]:
    """The tokens of ``PASSERELLE_API_TOKENS``; ``PasserelleError`` for any malformed entry."""
    def refuse(message: str) -> PasserelleError:
        return PasserelleError(f"PASSERELLE_API_TOKENS: {message}; write each token as "
                               "NAME:SECRET or NAME/admin:SECRET, separated by commas")

    public = {}
    for position, entry in enumerate(_entries(audit_names), 1):
        name, sep, shown = (part.strip() for part in entry.partition("="))
        if not sep or not name or not shown:
            raise PasserelleError(f"PASSERELLE_AUDIT_NAMES: entry {position} is not "
                                  "NAME=Public name")
        public[name] = shown
    tokens: list[ApiToken] = []
    for position, entry in enumerate(_entries(configured), 1):
        label, sep, secret = entry.partition(":")
        name, _, scope = (part.strip() for part in label.partition("/"))
        if not sep or not _NAME.fullmatch(name):
            raise refuse(f"entry {position} has no name before its first colon")
        scope = scope or "editor"
        if scope not in SCOPES:
            raise refuse(f"token {name!r} has the unknown scope {scope[:40]!r} "
                         f"(scopes: {', '.join(SCOPES)})")
        secret = secret.strip()
        if not secret:
            raise refuse(f"token {name!r} has an empty secret")
        if any(t.name == name for t in tokens):
            raise refuse(f"the name {name!r} is given twice")
        if any(t.secret == secret.encode() for t in tokens):
            raise refuse(f"token {name!r} has the same secret as another token")
        tokens.append(ApiToken(name, secret.encode(), scope, public.get(name, scope)))
    unknown = sorted(set(public) - {t.name for t in tokens})
    if unknown:
        raise PasserelleError("PASSERELLE_AUDIT_NAMES names tokens that do not exist: "
                              + ", ".join(n[:40] for n in unknown))
    return tokens


@dataclass(frozen=True)
class Language:
    """One language Passerelle speaks: its code, its name in itself (what its readers look for in
    a language switch), its writing direction, and the languages a text missing in it falls back
    to, in order."""

    code: str
    name: str
    direction: Literal["ltr", "rtl"] = "ltr"
    fallback: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class Languages:
    """The languages of the data and of the interface, and how a requested tag falls back.

    Vocabulary labels are written in every language declared here; the interface speaks those
    that also have a gettext catalogue in ``api/translations/`` (see ``api/i18n.py``), so a new
    language is a line here and a catalogue there.
    """

    declared: tuple[Language, ...]
    default: str

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(language.code for language in self.declared)

    def get(self, code: str) -> Language | None:
        return next((language for language in self.declared if language.code == code), None)

    def chain(self, tag: str) -> tuple[str, ...]:
        """The language tags to try for a text asked for in ``tag`` (BCP 47, any case), best
        first: the tag itself, its primary language, that language's declared fallbacks, then
        the default language's chain. A well-formed tag Passerelle does not speak (``de``) thus
        falls back to the default language's chain."""
        tag = tag.lower()
        primary = tag.split("-")[0]
        default = self.get(self.default)
        chain = [tag, primary]
        own = self.get(primary)
        if own is not None:
            chain += own.fallback
        chain += [self.default, *(default.fallback if default else ())]
        return tuple(dict.fromkeys(chain))


LANGUAGES = Languages(default="en", declared=(
    # English and French are what the seed data is written in: every language falls back to
    # English, and English to French. A language falls back to no other language of its region
    # (Ukrainian readers are not sent to Russian, Pashto readers not to Persian).
    Language("en", "English", fallback=("fr",)),
    Language("fr", "Français"),
    Language("es", "Español"),
    Language("pl", "Polski"),
    Language("el", "Ελληνικά"),
    Language("ar", "العربية", "rtl"),
    Language("uk", "Українська"),
    Language("fa", "فارسی", "rtl"),
    Language("ps", "پښتو", "rtl"),
    Language("ru", "Русский"),
))


def _default_data_dir() -> Path:
    root = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(root) / "passerelle"


class Settings(BaseSettings):
    """Runtime configuration; defaults suit a single machine serving the bundled graph."""

    model_config = SettingsConfigDict(env_prefix="PASSERELLE_", extra="ignore")

    languages: ClassVar[Languages] = LANGUAGES
    """The languages of the data and the interface. Not read from the environment: a language
    needs labels and a catalogue shipped with the code, so it is declared here, once."""

    data_dir: Path = Field(default_factory=_default_data_dir)
    base_iri: str = "https://w3id.org/passerelle/id/"
    public_url: str = "http://127.0.0.1:8000"
    api_tokens: str = ""
    query_timeout_s: float = 20.0
    query_max_rows: int = 10_000
    query_max_body: int = 1024 * 1024
    query_max_depth: int = 100
    query_concurrency: int = 4
    write_max_body: int = 10 * 1024 * 1024
    standards_dir: Path | None = None
    # The DCAT-AP catalogue's publisher, licence and contact (GET /catalog, export --profile).
    publisher_name: str = "Passerelle contributors"
    publisher_iri: str = ""
    licence_iri: str = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    contact_email: str = ""
    # Who may write what (the token format is in the module docstring), what the public sees of
    # it, and the shapes of data a write may not take because they cost more than they are worth.
    audit_names: str = ""
    publish_audit: bool = True
    """Whether the audit graph (who changed what) is part of the /export dumps and catalogue."""
    hierarchy_max_depth: int = 32
    """Most broader concepts one concept may have, through every level of its hierarchy."""
    hierarchy_max_closure: int = 200_000
    """Most ``pas:broaderOrSelf`` triples the derived closure may hold."""
    write_max_blank_depth: int = 16
    """Deepest nesting of blank nodes a write may hold (an event's place holds an address: 2)."""

    # Writes run one at a time: how many more may wait (past that, 503 with Retry-After), the
    # longest literal a write may hold (413 past it), and how long a stopping server lets
    # requests in progress finish before it abandons them.
    write_queue: int = Field(default=4, ge=0)
    write_max_literal: int = Field(default=1024 * 1024, ge=1)
    write_retry_after_s: int = Field(default=5, ge=1)
    shutdown_timeout_s: int = Field(default=5, ge=1)
    search_index: bool = True
    """Whether searches filter with the in-memory search index (``graph/read/search_index.py``)
    or through SPARQL alone (``serve --no-index``); the answers are the same."""

    @model_validator(mode="after")
    def _tokens_parse(self) -> Settings:
        """Refuse malformed tokens when the settings are read, so the server does not start."""
        parse_tokens(self.api_tokens, self.audit_names)
        return self

    @property
    def tokens(self) -> list[ApiToken]:
        return parse_tokens(self.api_tokens, self.audit_names)

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
