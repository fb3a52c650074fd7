"""The answers of the Open Referral API (HSDS 3.1 ``schema/openapi.json``), over the same search
and read model as ``/api/services``.

Services are found by the one search (``read.search.ranked_matches``: words and service types), then
narrowed by what the search has no parameter for (provider, modification time, a stated status),
paged, described by the read model and written as HSDS by ``export.hsds``. Nothing here knows
the web: the router in ``api/`` turns parameters into a ``Query`` and answers what comes back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import pyoxigraph as ox

from passerelle.graph.export import hsds
from passerelle.graph.imports.hsds_fields import PROFILE, VERSION
from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import PAS, XSD
from passerelle.graph.read.search import SearchParams, ranked_matches
from passerelle.graph.store.base import Store


def about(openapi_url: str) -> dict:
    """``GET /``: which HSDS this API speaks."""
    return {"version": VERSION, "profile": PROFILE, "openapi_url": openapi_url}


def envelope(total: int, page: int, per_page: int, contents: list) -> dict:
    """The paginated answer of every list (``total_items`` ... ``contents``)."""
    pages = math.ceil(total / per_page) if total else 0
    return {"total_items": total, "total_pages": pages, "page_number": page,
            "size": len(contents), "first_page": page == 1, "last_page": page >= pages,
            "empty": total == 0, "contents": contents}


@dataclass(frozen=True)
class Query:
    """The parameters of a list, already checked (``modified_after`` parsed)."""

    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    page: int = 1
    per_page: int = 50
    lang: str = hsds.DEFAULT_LANGUAGE


class Directory:
    """One request's view of the graph: its ids and its service types, read once."""

    def __init__(self, store: Store, lang: str = hsds.DEFAULT_LANGUAGE):
        self.store, self.lang = store, lang
        self.ids = hsds.Ids(store)
        self.terms = hsds.Terms(store, lang)

    # --- services -------------------------------------------------------------------------

    def _term(self, given: str) -> str | None:
        """A service type's IRI by its HSDS id, code or IRI."""
        term_ids = {hsds.derived_id(iri): iri for iri in self.terms.found}
        if given in term_ids:
            return term_ids[given]
        if given in self.terms.found:
            return given
        return next((iri for iri, c in self.terms.found.items() if c.notation == given), None)

    def _set(self, query: str, bindings: dict) -> set[str]:
        return {row["service"].value
                for row in self.store.query(values(queries.text(query), bindings))}

    def service_iris(self, q: Query, *, with_place: bool = False) -> list[str]:
        """The services a list answers, in the search's order, before paging."""
        need: tuple[str, ...] = ()
        if q.taxonomy_term_id is not None:
            term = self._term(q.taxonomy_term_id)
            if term is None:
                return []
            need = (term,)
        if q.taxonomy_id is not None and q.taxonomy_id not in (
                hsds.derived_id(hsds.TAXONOMY_IRI), hsds.TAXONOMY_IRI):
            return []
        found = ranked_matches(self.store, SearchParams(need=need, q=q.search or None))[0].order
        keep = self._set("services-with-status", {})
        if q.organization_id is not None:
            provider = self.ids.iri(q.organization_id, PAS + "Organisation")
            if provider is None:
                return []
            keep &= self._set("services-by-provider", {"provider": [ox.NamedNode(provider)]})
        if q.modified_after is not None:
            since = ox.Literal(q.modified_after.isoformat(),
                               datatype=ox.NamedNode(XSD + "dateTime"))
            keep &= self._set("services-modified-since", {"since": [since]})
        if with_place:
            keep &= self._set("services-with-place", {})
        return [iri for iri in found if iri in keep]

    def services(self, q: Query, *, full: bool = False, minimal: bool = False) -> dict:
        iris = self.service_iris(q)
        chosen = iris[(q.page - 1) * q.per_page:q.page * q.per_page]
        items = [hsds.service(item, self.ids, self.terms, full=full)
                 for item in hsds.services(self.store, chosen, self.lang)]
        if minimal:
            items = [{k: v for k, v in item.items() if k in ("id", "name", "status",
                                                              "last_modified")}
                     for item in items]
        return envelope(len(iris), q.page, q.per_page, items)

    def service(self, ident: str) -> dict | None:
        iri = self.ids.iri(ident, PAS + "Service")
        if iri is None:
            return None
        (item,) = hsds.services(self.store, [iri], self.lang)
        return hsds.service(item, self.ids, self.terms, full=True)

    # --- services at locations ---------------------------------------------------------------

    def _at_location(self, item: dict, full: bool) -> dict | None:
        """The service's one place as an HSDS service at location, with the service inside
        (``full``: nested lists and the location's addresses and accessibility; else one-to-one
        fields)."""
        nested = hsds.service(item, self.ids, self.terms, full=True)
        if nested is None or not nested["service_at_locations"]:
            return None
        link = dict(nested.pop("service_at_locations")[0])
        if not full:
            nested = hsds.service(item, self.ids, self.terms, full=False)
            link["location"] = {k: v for k, v in link["location"].items()
                                if not isinstance(v, list)}
        link["service"] = nested
        return link

    def service_at_locations(self, q: Query, *, full: bool = False) -> dict:
        iris = self.service_iris(q, with_place=True)
        chosen = iris[(q.page - 1) * q.per_page:q.page * q.per_page]
        items = [found for item in hsds.services(self.store, chosen, self.lang)
                 if (found := self._at_location(item, full)) is not None]
        return envelope(len(iris), q.page, q.per_page, items)

    def service_at_location(self, ident: str) -> dict | None:
        places = self._set("services-with-place", {}) & self._set("services-with-status", {})
        for iri in sorted(places):
            if hsds.child_id(self.ids.id(iri), "at", "0") == ident:
                (item,) = hsds.services(self.store, [iri], self.lang)
                return self._at_location(item, True)
        return None

    # --- organisations -----------------------------------------------------------------------

    def organizations(self, q: Query, *, full: bool = False) -> dict:
        listed = sorted(hsds.organisations(self.store, self.ids.of_class(PAS + "Organisation"),
                                           self.lang),
                        key=lambda o: ((o.get("name") or "").casefold(), o["id"]))
        if q.search:
            words = q.search.casefold()
            listed = [o for o in listed if words in (o.get("name") or "").casefold()
                      or words in (o.get("description") or "").casefold()]
        chosen = listed[(q.page - 1) * q.per_page:q.page * q.per_page]
        items = [self._organization(o, full) for o in chosen]
        return envelope(len(listed), q.page, q.per_page, items)

    def _organization(self, item: dict, full: bool) -> dict:
        out = hsds.organization(item, self.ids)
        if full:
            provided = self.service_iris(Query(organization_id=out["id"]))
            out["services"] = [s for i in hsds.services(self.store, provided, self.lang)
                               if (s := hsds.service(i, self.ids, self.terms)) is not None]
        return out

    def organization(self, ident: str) -> dict | None:
        iri = self.ids.iri(ident, PAS + "Organisation")
        if iri is None:
            return None
        (item,) = hsds.organisations(self.store, [iri], self.lang)
        return self._organization(item, True)

    # --- taxonomies --------------------------------------------------------------------------

    def taxonomies(self, q: Query) -> dict:
        found = [hsds.taxonomy(self.lang)]
        if q.search and q.search.casefold() not in found[0]["name"].casefold():
            found = []
        return envelope(len(found), q.page, q.per_page,
                        found[(q.page - 1) * q.per_page:q.page * q.per_page])

    def taxonomy(self, ident: str) -> dict | None:
        found = hsds.taxonomy(self.lang)
        return found if ident in (found["id"], hsds.TAXONOMY_IRI) else None

    def taxonomy_terms(self, q: Query) -> dict:
        terms = [self.terms.term(iri) for iri in self.terms.all()]
        if q.taxonomy_id is not None and q.taxonomy_id not in (
                hsds.derived_id(hsds.TAXONOMY_IRI), hsds.TAXONOMY_IRI):
            terms = []
        if q.search:
            words = q.search.casefold()
            terms = [t for t in terms if words in t["name"].casefold()
                     or words in t.get("code", "").casefold()]
        return envelope(len(terms), q.page, q.per_page,
                        terms[(q.page - 1) * q.per_page:q.page * q.per_page])

    def taxonomy_term(self, ident: str) -> dict | None:
        iri = self._term(ident)
        return self.terms.term(iri) if iri is not None else None
