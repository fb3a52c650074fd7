"""The search page for caseworkers at ``/``: a form sent by GET, results in plain words.

The form's fields carry the API's parameter names, so a search page URL and an API URL say the
same thing. It needs no JavaScript: the browser submits the form, the server answers a page.
Why each result matches is worded from the search's explanation codes (``explanations``), in the
reader's language, so French readers get French sentences and not only French names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from passerelle.api import explanations
from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.places import PlaceName
from passerelle.api.web import choose_language, local_href, messages, page, url_with
from passerelle.graph.rdf.namespaces import SCHEMA
from passerelle.graph.read import concepts
from passerelle.graph.read.codes import SCHEMES, UnknownCode
from passerelle.graph.read.facets import facets, suggestions
from passerelle.graph.read.ranking import Unplaceable
from passerelle.graph.read.search import SearchParams, search
from passerelle.graph.read.services import describe
from passerelle.graph.store.base import Store

router = APIRouter(include_in_schema=False)

FIELDS = ("need", "status", "region", "language")
PAGE_SIZE = 20
MARKED_IN_HEADING = frozenset({"rank-temporarily-closed"})
"""Said once, beside the service's name in its card's heading, so not again among the reasons
for its place in the list."""


@dataclass
class Option:
    value: str
    label: str
    depth: int
    count: int | None = None


def _walk(found, concept, lang, depth, seen, out):
    out.append(Option(concept.notation or concept.iri, concepts.label(concept, lang), depth))
    children = sorted((found[c] for c in concept.narrower - seen),
                      key=lambda c: concepts.label(c, lang).casefold())
    for child in children:
        _walk(found, child, lang, depth + 1, seen | {child.iri}, out)


def option_groups(found: dict, lang: str, grouped: bool) -> list[tuple[str | None, list]]:
    """A scheme as select options with their depth; by top concept when ``grouped`` (regions
    by country), else one unnamed group."""
    roots = sorted((c for c in found.values() if not c.broader),
                   key=lambda c: concepts.label(c, lang).casefold())
    groups = []
    for root in roots:
        options: list[Option] = []
        _walk(found, root, lang, 0, frozenset({root.iri}), options)
        groups.append((concepts.label(root, lang), options))
    if grouped:
        return groups
    return [(None, [o for _, options in groups for o in options])]


def _eligibility(item: dict, t: dict) -> str:
    state = item["eligibility"]["state"]
    if state == "open-to-all":
        return t["elig_open"]
    if state == "restricted":
        names = [s["label"] or s["code"] for s in item["eligibility"]["statuses"]]
        joined = (t["list_separator"].join(names[:-1]) + f" {t['and']} " + names[-1]
                  if len(names) > 1 else names[0])
        return t["elig_for"].format(statuses=joined)
    return t["elig_unknown"]


def _counted(groups: dict, counts: dict[str, list[dict]]) -> None:
    """Put each option's facet count beside it (the total its choice would give)."""
    for name, found in groups.items():
        by_code = {row["code"]: row["count"] for row in counts.get(name, [])}
        for _, options in found:
            for option in options:
                option.count = by_code.get(option.value)


def _suggested(request: Request, store: Store, params: SearchParams, lang: str,
               t: dict) -> list[tuple[str, int, str]]:
    """The search's suggestions as (sentence, total, link to the changed search)."""
    label = explanations.code_labels(store, lang)
    out = []
    for found in suggestions(store, params):
        changes = {key: None if value is None else "true" if value is True else
                   f"{value:g}" if isinstance(value, float) else value
                   for key, value in found.change.items()}
        out.append((explanations.suggestion(found, label, t), found.total,
                    url_with(request, offset=None, **changes)))
    return out


def _criteria(chosen: dict, words, params: SearchParams, schemes: dict, lang: str,
              t: dict) -> list[str]:
    """The search's criteria in words, kept on the printed page."""
    out = []
    for name in FIELDS:
        names = [concepts.label(c, lang) if (c := concepts.find(schemes[name], code)) else code
                 for code in chosen[name]]
        if names:
            out.append(t["criterion"].format(field=t[name + "_label"], values=", ".join(names)))
    if words:
        out.append(t["criterion"].format(field=t["criteria_words"], values=words))
    if params.open_to_all:
        out.append(t["criteria_open"])
    if params.include_unknown:
        out.append(t["criteria_unknown"])
    if params.near:
        place = concepts.find(schemes["region"], params.near)
        shown = PlaceName(concepts.label(place, lang), place.iri) if place else \
            PlaceName(params.near)
        out.append(t["criteria_near"].format(km=f"{params.within_km:g}", place=shown)
                   if params.within_km else t["criteria_near_any"].format(place=shown))
    return out


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and 0 < value <= 20_000 else None


TAGGED = {"description_lang": SCHEMA + "description"}
"""The texts of a result whose language the page marks, and the property each is read from
(names are proper names: they are shown as written, in no marked language)."""


def _text_languages(store: Store, items: list[dict], lang: str) -> dict[str, dict[str, str]]:
    """The language tag of the texts the read model picked for each service
    (along the reader's fallback chain), so the page can mark a text in another language."""
    d = describe(store, [item["id"] for item in items])
    return {item["id"]: d.languages(ox.NamedNode(item["id"]), TAGGED, lang) for item in items}


def _schemes(store: Store) -> dict[str, dict]:
    return {name: concepts.concepts(store, SCHEMES[name]) for name in FIELDS}


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, store: StoreDep, settings: SettingsDep) -> HTMLResponse:
    lang = choose_language(request)
    t = messages(lang)
    query = request.query_params
    schemes = _schemes(store)
    chosen = {name: [v for v in query.getlist(name) if v][:20] for name in FIELDS}
    words = (query.get("q") or "").strip()[:200] or None
    include_unknown = query.get("include_unknown", "").lower() in ("true", "on", "1")
    open_to_all = query.get("open_to_all", "").lower() in ("true", "on", "1")
    near = (query.get("near") or "").strip()[:100] or None
    within_km = _number(query.get("within_km")) if near else None
    try:
        offset = max(0, min(int(query.get("offset", "0")), 100_000))
    except ValueError:
        offset = 0
    submitted = any(name in query for name in (*FIELDS, "q", "near", "open_to_all"))
    context = {
        "groups": {name: option_groups(schemes[name], lang, grouped=name == "region")
                   for name in FIELDS},
        "chosen": chosen, "q": words or "", "include_unknown": include_unknown,
        "open_to_all": open_to_all, "near": near or "",
        "within_km": f"{within_km:g}" if within_km else "",
        "submitted": submitted, "error": None, "result": None,
    }
    if not submitted:
        return page(request, "search.html", lang, **context)
    params = SearchParams(need=tuple(chosen["need"]), status=tuple(chosen["status"]),
                          region=tuple(chosen["region"]), language=tuple(chosen["language"]),
                          q=words, include_unknown=include_unknown, lang=lang,
                          limit=PAGE_SIZE, offset=offset, explain=True,
                          open_to_all=open_to_all, near=near, within_km=within_km)
    try:
        result = search(store, params)
    except Unplaceable as error:
        context["error"] = t["error_near_" + error.kind.replace("-", "_")].format(
            value=error.codes[0][:80])
        return page(request, "search.html", lang, status_code=422, **context)
    except UnknownCode as error:
        context["error"] = t["error_unknown"].format(
            field=t[error.parameter + "_label"], codes=", ".join(c[:80] for c in error.codes))
        return page(request, "search.html", lang, status_code=422, **context)
    names = {iri: concepts.label(c, lang) for found in schemes.values() for iri, c in found.items()}

    def label(iri: str) -> str:
        return names.get(iri) or iri.rsplit("/", 1)[-1]

    base = settings.base_iri
    tags = _text_languages(store, result.items, lang)
    items = [{**item, **tags[item["id"]], "href": local_href(item["id"], base),
              "provider_href": local_href(item["provider"]["id"], base)
              if item.get("provider") else None,
              "eligibility_text": _eligibility(item, t),
              "why_text": explanations.sentences(item.get("why", {}), label, t,
                                                 explanations.MATCH),
              "rank_text": explanations.sentences(item.get("why", {}), label, t, ("rank",),
                                                  MARKED_IN_HEADING),
              "serves_place": any(rule["rule"] == "rank-distance-serves"
                                  for rule in item.get("why", {}).get("rank", ()))}
             for item in result.items]
    _counted(context["groups"], facets(store, params, result))
    context["result"] = {
        "total": result.total, "items": items, "first": offset + 1,
        "last": offset + len(items),
        "previous": url_with(request, offset=max(0, offset - PAGE_SIZE)) if offset else None,
        "next": url_with(request, offset=offset + PAGE_SIZE)
        if offset + PAGE_SIZE < result.total else None,
        "suggestions": _suggested(request, store, params, lang, t) if not result.total
        else [],
        "criteria": _criteria(chosen, words, params, schemes, lang, t),
        "today": date.today().isoformat(),
        "referral": "/referral?" + urlencode(
            [("service", item["id"]) for item in result.items]
            + [(k, v) for k, v in query.multi_items() if k in (*FIELDS, "lang")]),
    }
    return page(request, "search.html", lang, **context)
