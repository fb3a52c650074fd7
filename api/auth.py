"""Bearer tokens for the write endpoints; reads stay open.

Tokens come from ``PASSERELLE_API_TOKENS``: entries ``NAME:SECRET`` (an editor: records and any
graph that is not a vocabulary) or ``NAME/admin:SECRET`` (the vocabularies too), separated by
commas; the secret is everything after the first colon, trimmed (``passerelle.settings``
documents the format and refuses a malformed entry at start). The name stays private: the audit
graph and ``/api/changes`` show the token's public name from ``PASSERELLE_AUDIT_NAMES``, or its
scope. The presented token is compared with every configured secret by ``hmac.compare_digest``
and the loop never stops early, so the time taken says nothing about which secret, or how much
of one, matched.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from passerelle.api.deps import SettingsDep
from passerelle.settings import ApiToken


def _refuse(message: str, error: str = "invalid_token") -> HTTPException:
    return HTTPException(status_code=401, detail=message,
                         headers={"WWW-Authenticate": f'Bearer error="{error}"'})


def require_token(request: Request, settings: SettingsDep) -> ApiToken:
    """The token the request carries; 401 when it carries no valid one."""
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"},
                            detail="writes need an API token: send Authorization: Bearer TOKEN")
    given = presented.strip().encode()
    tokens = settings.tokens
    if not tokens:
        raise _refuse("this server accepts no writes: no API tokens are configured "
                      "(PASSERELLE_API_TOKENS)")
    found = None
    for token in tokens:
        if hmac.compare_digest(given, token.secret) and found is None:
            found = token
    if found is None:
        raise _refuse("the API token is not valid")
    return found


def public_author(token: Annotated[ApiToken, Depends(require_token)]) -> str:
    return token.public


Token = Annotated[ApiToken, Depends(require_token)]
"""The token that authorised a write, with its scope: declare it to require a token."""

Author = Annotated[str, Depends(public_author)]
"""The public name of the token that authorised a write (what the audit graph records)."""
