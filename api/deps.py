"""Dependencies shared by the routers, as ``Annotated`` aliases.

They only read the request, so they are coroutines: FastAPI runs a plain function dependency
in its thread pool, a hand-over that cost each request more than the work itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from passerelle.graph.store.base import Store
from passerelle.settings import Settings


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
