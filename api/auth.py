"""Bearer tokens for the write endpoints; reads stay open.

Tokens come from ``PASSERELLE_API_TOKENS``: comma-separated ``name:secret`` pairs, or bare
secrets (named ``token-1``, ``token-2``... in order). The name is what the audit graph records as
the author of a change, so the secret itself is never stored. The presented token is compared
with every configured secret by ``hmac.compare_digest`` and the loop never stops early, so the
time taken says nothing about which secret, or how much of one, matched.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from passerelle.api.deps import SettingsDep


def parse_tokens(configured: str) -> list[tuple[str, bytes]]:
    """(name, secret) pairs from the setting; empty entries are ignored."""
    tokens = []
    entries = [p.strip() for p in configured.split(",") if p.strip()]
    for position, entry in enumerate(entries):
        name, sep, secret = entry.partition(":")
        if not sep:
            name, secret = f"token-{position + 1}", entry
        if secret:
            tokens.append((name.strip() or f"token-{position + 1}", secret.encode()))
    return tokens


def _refuse(message: str, error: str = "invalid_token") -> HTTPException:
    return HTTPException(status_code=401, detail=message,
                         headers={"WWW-Authenticate": f'Bearer error="{error}"'})


def require_token(request: Request, settings: SettingsDep) -> str:
    """The name of the token the request carries; 401 when it carries no valid one."""
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"},
                            detail="writes need an API token: send Authorization: Bearer TOKEN")
    given = presented.strip().encode()
    tokens = parse_tokens(settings.api_tokens)
    if not tokens:
        raise _refuse("this server accepts no writes: no API tokens are configured "
                      "(PASSERELLE_API_TOKENS)")
    author = None
    for name, secret in tokens:
        if hmac.compare_digest(given, secret) and author is None:
            author = name
    if author is None:
        raise _refuse("the API token is not valid")
    return author


Author = Annotated[str, Depends(require_token)]
"""The name of the token that authorised a write: declare it to require a token."""
