"""Reading a request body without ever holding more than the limit allows.

The SPARQL endpoint and the write endpoints both refuse a body over their limit with 413, as soon
as the declared length or the bytes received so far pass it; each turns the refusal into its own
kind of error answer through ``refuse``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request


async def read_limited(request: Request, limit: int, too_large: str,
                       refuse: Callable[[int, str], Exception]) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and not declared.strip().isdigit():
        raise refuse(400, "Content-Length is not a number")
    if declared is not None and int(declared) > limit:
        raise refuse(413, too_large)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refuse(413, too_large)
        chunks.append(chunk)
    return b"".join(chunks)
