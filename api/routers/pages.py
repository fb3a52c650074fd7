"""The search page for caseworkers at ``/``: a form sent by GET, results in plain words.

The form's fields carry the API's parameter names, so a search page URL and an API URL say the
same thing. It needs no JavaScript: the browser submits the form, the server answers a page.
Why each result matches is worded from the search's explanation codes (``explanations``), in the
reader's language, so French readers get French sentences and not only French names.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from passerelle.api import explanations
from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.web import choose_language, local_href, messages, page, url_with
from passerelle.graph.rdf.namespaces import SCHEMA
from passerelle.graph.read import concepts
from passerelle.graph.read.codes import SCHEMES, UnknownCode
from passerelle.graph.read.labels import pick_tagged
from passerelle.graph.read.search import SearchParams, search
from passerelle.graph.read.services import describe
from passerelle.graph.store.base import Store

router = APIRouter(include_in_schema=False)

FIELDS = ("need", "status", "region", "language")
PAGE_SIZE = 20


@dataclass
class Option:
    value: str
    label: str
    depth: int


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


def _advice(request: Request, chosen: dict, schemes: dict, params: SearchParams, lang: str,
            t: dict) -> list[tuple[str, str]]:
    """Ways to widen a search that found nothing: a broader concept, or one filter fewer."""
    out = []
    for name in FIELDS:
        for code in chosen[name]:
            concept = concepts.find(schemes[name], code)
            if concept is None:
                continue
            value = concepts.label(concept, lang)
            for parent_iri in sorted(concept.broader):
                parent = schemes[name][parent_iri]
                key = "widen_broader_need" if name == "need" else "widen_broader"
                if name in ("need", "region"):
                    out.append((t[key].format(label=concepts.label(parent, lang), value=value),
                                url_with(request, **{name: parent.notation, "offset": None})))
            out.append((t["widen_remove"].format(field=t[name + "_label"].lower(), value=value),
                        url_with(request, **{name: [c for c in chosen[name] if c != code],
                                             "offset": None})))
    if params.q:
        out.append((t["widen_words"].format(value=params.q), url_with(request, q=None,
                                                                      offset=None)))
    if params.status and not params.include_unknown:
        out.append((t["widen_unknown"], url_with(request, include_unknown="true", offset=None)))
    return out


TAGGED = {"description_lang": SCHEMA + "description"}
"""The texts of a result whose language the page marks, and the property each is read from
(names are proper names: they are shown as written, in no marked language)."""


def _text_languages(store: Store, items: list[dict], lang: str) -> dict[str, dict[str, str]]:
    """The language tag of the texts the read model picked for each service
    (along the reader's fallback chain), so the page can mark a text in another language."""
    d = describe(store, [item["id"] for item in items])
    out = {}
    for item in items:
        node = ox.NamedNode(item["id"])
        out[item["id"]] = {key: pick_tagged({o.language or "": o.value for o in d.objects(node, p)
                                             if isinstance(o, ox.Literal)}, lang)[1]
                           for key, p in TAGGED.items()}
    return out


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
    try:
        offset = max(0, min(int(query.get("offset", "0")), 100_000))
    except ValueError:
        offset = 0
    submitted = any(name in query for name in (*FIELDS, "q"))
    context = {
        "groups": {name: option_groups(schemes[name], lang, grouped=name == "region")
                   for name in FIELDS},
        "chosen": chosen, "q": words or "", "include_unknown": include_unknown,
        "submitted": submitted, "error": None, "result": None,
    }
    if not submitted:
        return page(request, "search.html", lang, **context)
    params = SearchParams(need=tuple(chosen["need"]), status=tuple(chosen["status"]),
                          region=tuple(chosen["region"]), language=tuple(chosen["language"]),
                          q=words, include_unknown=include_unknown, lang=lang,
                          limit=PAGE_SIZE, offset=offset, explain=True)
    try:
        result = search(store, params)
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
              "why_text": explanations.sentences(item.get("why", {}), label, t)}
             for item in result.items]
    context["result"] = {
        "total": result.total, "items": items, "first": offset + 1,
        "last": offset + len(items),
        "previous": url_with(request, offset=max(0, offset - PAGE_SIZE)) if offset else None,
        "next": url_with(request, offset=offset + PAGE_SIZE)
        if offset + PAGE_SIZE < result.total else None,
        "advice": _advice(request, chosen, schemes, params, lang, t) if not result.total
        else [],
    }
    return page(request, "search.html", lang, **context)
