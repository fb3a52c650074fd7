"""The caseworker searches the benchmark asks: four kinds, each weighing the same overall.

*faceted*: the filters (need, status, region, language, open to all) alone and together;
*facets*: the same with ``facets=true`` (each value's count for need, status, region, language);
*words*: ``q=`` in English, French and Spanish, matched on names, descriptions and need labels;
*proximity*: ``near=`` a point or a municipality, ``within_km=``, alone and with a need.

Codes are real ones from the ontology (NUTS regions, statuses, service types, municipalities with
reference coordinates), plus synthetic municipalities the generator always creates (the first one
under each NUTS 3 region), so every search finds services at every scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.generate import municipality_code
from passerelle.graph.read.search import SearchParams


@dataclass(frozen=True)
class Search:
    kind: str
    pairs: tuple[tuple[str, str], ...]

    @property
    def http(self) -> dict[str, str]:
        """The query string of ``GET /api/services``."""
        return dict(self.pairs)

    @property
    def facets(self) -> bool:
        return self.http.get("facets") == "true"

    @property
    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.pairs)

    def params(self, **changes) -> SearchParams:
        """The same search as the in-process ``SearchParams`` the handler builds."""
        http = self.http

        def codes(name: str) -> tuple[str, ...]:
            return (http[name],) if name in http else ()

        within = http.get("within_km")
        return SearchParams(need=codes("need"), status=codes("status"), region=codes("region"),
                            language=codes("language"), q=http.get("q"),
                            open_to_all=http.get("open_to_all") == "true",
                            near=http.get("near"),
                            within_km=float(within) if within else None, **changes)


def search(kind: str, **http: str) -> Search:
    return Search(kind, tuple(http.items()))


KINDS = ("faceted", "facets", "words", "proximity")
"""The kinds, in the order the tables list them; the mix asks facet counts last, so a path too
slow for them (given up after the cap, the server still busy) slows none of the others."""
THROUGHPUT_KINDS = ("faceted", "words", "proximity")
"""What the concurrent clients ask: a page of results each time (counts are a page's extra)."""

MIX = (
    search("faceted", need="employment", status="refugee", region="FRL06"),
    search("faceted", need="language", status="asylum-seeker", region="ES"),
    search("faceted", status="temporary-protection"),
    search("faceted", region=municipality_code("FRK24", 1)),
    search("faceted", open_to_all="true", region="ES"),
    search("faceted", language="ar", need="housing"),
    search("words", q="garden"),
    search("words", q="French lessons"),
    search("words", q="cours de français"),
    search("words", q="clases de español"),
    search("words", q="aide au logement", region="FR"),
    search("words", q="empleo"),
    search("proximity", near="45.5,3.5", within_km="100"),
    search("proximity", near="cavaillon", within_km="150"),
    search("proximity", near="41.0,-3.0", within_km="120", need="language"),
    search("facets", status="refugee", region="FRL06", facets="true"),
    search("facets", need="language", facets="true"),
)
