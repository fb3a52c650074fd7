"""The referral card at ``/referral``: one printable page a caseworker hands to the client.

It speaks the client's language (``lang``), which need not be the caseworker's: the few words
meant for the caseworker on screen (never printed) follow the interface language of the request
without ``lang`` (its ``Accept-Language``). The card carries what the client needs to go there:
each service's contacts, address, hours, cost, how to apply and what to bring, with full
absolute links (a printed relative link leads nowhere), the criteria of the search and the
date. The client's status is private: it is printed only when ``show_status=true``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.params import LANG_PATTERN
from passerelle.api.web import (
    INTERFACE,
    choose_language,
    interface_language,
    language_headers,
    local_href,
    messages,
    templates,
    url_with,
)
from passerelle.graph.rdf.namespaces import PAS
from passerelle.graph.read import concepts
from passerelle.graph.read.codes import SCHEMES
from passerelle.graph.read.model import SERVICES, of_kind, render
from passerelle.graph.read.services import describe
from passerelle.graph.write import records
from passerelle.graph.write.commit import Missing
from passerelle.settings import Settings

router = APIRouter(include_in_schema=False)

CRITERIA = ("need", "status", "region", "language")
MAX_SERVICES = 20
TAGGED = {"opening_hours": PAS + "openingHours", "cost": PAS + "cost",
          "how_to_apply": PAS + "howToApply", "documents": PAS + "requiredDocument"}
"""The data texts of a service the card marks with their language, and the property each is
read from: written by the service in English or French, they are read out in that language and
say so when the card's is another (names are proper names, shown as written)."""
DAYS = {"mo": "schema:Monday", "tu": "schema:Tuesday", "we": "schema:Wednesday",
        "th": "schema:Thursday", "fr": "schema:Friday", "sa": "schema:Saturday",
        "su": "schema:Sunday"}
"""The catalogue's name of each day code of ``hours``."""


def _criteria(store, query, lang: str, t: dict, show_status: bool) -> list[str]:
    """The search's criteria in the card's language; the status only when asked."""
    out = []
    for name in CRITERIA:
        if name == "status" and not show_status:
            continue
        codes = [c for c in query.getlist(name) if c][:20]
        if not codes:
            continue
        found = concepts.concepts(store, SCHEMES[name])
        names = [concepts.label(c, lang) if (c := concepts.find(found, code)) else code
                 for code in codes]
        label = t["referral_status"] if name == "status" else t[name + "_label"]
        out.append(t["criterion"].format(field=label, values=", ".join(names)))
    return out


@router.get("/referral", response_class=HTMLResponse)
def referral(request: Request, store: StoreDep, settings: SettingsDep,
             service: Annotated[list[str], Query(max_length=MAX_SERVICES)] = [],  # noqa: B006
             lang: Annotated[str, Query(pattern=LANG_PATTERN, max_length=35)]
             = Settings.languages.default,
             show_status: bool = False) -> HTMLResponse:
    card = interface_language(lang)
    t = messages(card)
    screen = choose_language(request, use_query=False)
    base = settings.base_iri
    root = str(request.base_url).rstrip("/")
    asked: dict[str, str] = {}
    unknown = []
    for ident in dict.fromkeys(service):
        try:
            asked.setdefault(records.iri_for(records.SERVICES, ident, base), ident)
        except Missing:
            unknown.append(ident)
    described = describe(store, list(asked))
    unknown += [ident for iri, ident in asked.items() if not of_kind(SERVICES, described, iri)]
    items = []
    for iri, ident in asked.items():
        if ident in unknown:
            continue
        item = render(SERVICES, described, iri, lang)
        page = local_href(iri, base)
        item["page"] = root + page if page.startswith("/") else page
        item["tags"] = described.languages(ox.NamedNode(iri), TAGGED, lang)
        item["hours"] = [{**h, "days": [t["properties"][DAYS[d]] if d in DAYS else d
                                        for d in h.get("days", [])]}
                         for h in item.get("hours") or []]
        items.append(item)
    switch = [(language, url_with(request, lang=language.code)) for language in INTERFACE]
    html = templates.get_template("referral.html").render(
        lang=card, direction=Settings.languages.get(card).direction, t=t,
        ui=messages(screen), ui_lang=screen, ui_direction=Settings.languages.get(screen).direction,
        switch=switch, items=items,
        unknown=[t["referral_unknown"].format(id=u[:200]) for u in unknown],
        criteria=_criteria(store, request.query_params, lang, t, show_status),
        today=date.today().isoformat())
    return HTMLResponse(html, status_code=404 if unknown and not items else 200,
                        headers=language_headers(card))
