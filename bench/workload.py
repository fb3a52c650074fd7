"""The caseworker searches the benchmark asks: five kinds, two concrete searches each.

Codes are real ones from the ontology (NUTS regions, statuses, service types), plus synthetic
municipalities the generator always creates (the first one under each NUTS 3 region), so every
search finds services at every scale. Each kind weighs the same in the overall figures.
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

    def params(self) -> SearchParams:
        """The same search as the in-process ``SearchParams`` the handler builds."""
        http = self.http

        def codes(name: str) -> tuple[str, ...]:
            return (http[name],) if name in http else ()

        return SearchParams(need=codes("need"), status=codes("status"), region=codes("region"),
                            language=codes("language"), q=http.get("q"),
                            open_to_all=http.get("open_to_all") == "true")


def search(kind: str, **http: str) -> Search:
    return Search(kind, tuple(http.items()))


KINDS = ("need+status+region", "status", "region", "open_to_all", "text")

MIX = (
    search("need+status+region", **{"need": "employment", "status": "refugee", "region": "FRL06"}),
    search("need+status+region", **{"need": "language", "status": "asylum-seeker",
                                  "region": municipality_code("ES242", 1)}),
    search("status", **{"status": "asylum-seeker"}),
    search("status", **{"status": "temporary-protection"}),
    search("region", **{"region": "FRL06"}),
    search("region", **{"region": municipality_code("FRK24", 1)}),
    search("open_to_all", **{"open_to_all": "true"}),
    search("open_to_all", **{"open_to_all": "true", "region": "ES242"}),
    search("text", **{"q": "garden"}),
    search("text", **{"q": "asylum"}),
)
