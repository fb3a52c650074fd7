"""A deterministic synthetic graph in Passerelle's vocabulary, sized by its number of triples.

Why synthetic: the real graph holds a handful of services, while the benchmark asks how the
caseworker's search behaves at a million triples, on a graph shaped like the real one. So every
code comes from the ontology files themselves (NUTS regions and municipalities, statuses, service
types, languages, organisation types, service statuses) and every service passes the shapes;
eligibility follows the proportions of the bundled seed graph's services (open to all, restricted,
not stated). Synthetic municipalities are added under each NUTS 3 region, in the synthetic data
only. The same seed and size give the same bytes.

Run ``python -m bench.generate --triples 100000 --out FILE.nq`` to write one file by hand.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox

from bench import texts
from passerelle.graph.rdf.namespaces import GRAPH, ID, PAS, RDF_TYPE, SKOS
from passerelle.graph.store.bundle import seed_files, vocabulary_files

SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
LANGUAGE_SCHEME = "http://publications.europa.eu/resource/authority/language"
SCHEMES = {
    "regions": ID + "scheme/regions",
    "service-types": ID + "scheme/service-types",
    "statuses": ID + "scheme/statuses",
    "languages": LANGUAGE_SCHEME,
    "organisation-types": ID + "scheme/organisation-types",
    "service-statuses": ID + "scheme/service-statuses",
}
GRAPHS = {name: GRAPH + f"bench-{name}" for name in ("regions", "organisations", "services")}
DEFAULT_SEED = 2021

# Relative weights; a code the ontology lacks is skipped, a code not listed weighs 1.
COUNTRY_WEIGHTS = {"FR": 40, "ES": 30, "PL": 15, "EL": 15}
TYPE_WEIGHTS = {"language": 3, "employment": 2, "vocational-training": 2, "housing": 2,
                "legal-aid": 1.5, "social-cohesion": 1.5, "administrative-support": 1.5,
                "health": 1.5, "mobility": 0.7, "digital-inclusion": 0.7, "childcare": 0.5,
                "financial-inclusion": 0.5}
STATUS_WEIGHTS = {"refugee": 3, "international-protection": 3, "asylum-seeker": 3,
                  "temporary-protection": 2, "stateless": 0.5, "undocumented": 0.5}
SERVICE_STATUS_WEIGHTS = {"active": 85, "temporarily-closed": 10, "defunct": 5}
MIGRANT_LANGUAGES = ("en", "ar", "fa", "ps", "uk", "ru", "tr", "ku", "ti", "so")


@dataclass(frozen=True)
class Concept:
    iri: str
    code: str
    labels: dict[str, str]
    broader: str | None = None
    level: int | None = None
    municipality: bool = False


@dataclass
class Vocabulary:
    """The concepts of each scheme, by code, read from the ontology files."""

    schemes: dict[str, dict[str, Concept]]

    def __getitem__(self, scheme: str) -> dict[str, Concept]:
        return self.schemes[scheme]

    def country(self, region: Concept) -> Concept:
        regions = self.by_iri
        while region.broader:
            region = regions[region.broader]
        return region

    @cached_property
    def by_iri(self) -> dict[str, Concept]:
        return {c.iri: c for c in self.schemes["regions"].values()}


def _load(paths: list[Path]) -> ox.Store:
    store = ox.Store()
    for path in paths:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode(GRAPH + path.stem))
    return store


def read_vocabulary() -> Vocabulary:
    store = _load(vocabulary_files())
    rows = store.query(f"""
        SELECT ?c ?scheme ?code ?en ?fr ?broader ?level ?municipality WHERE {{
          ?c <{SKOS}inScheme> ?scheme ; <{SKOS}notation> ?code .
          OPTIONAL {{ ?c <{SKOS}prefLabel> ?en FILTER(LANG(?en) = "en") }}
          OPTIONAL {{ ?c <{SKOS}prefLabel> ?fr FILTER(LANG(?fr) = "fr") }}
          OPTIONAL {{ ?c <{SKOS}broader> ?broader }}
          OPTIONAL {{ ?c <{PAS}nutsLevel> ?level }}
          BIND(EXISTS {{ ?c a <{PAS}Municipality> }} AS ?municipality)
        }}""", use_default_graph_as_union=True)
    names = {iri: name for name, iri in SCHEMES.items()}
    schemes: dict[str, dict[str, Concept]] = {name: {} for name in SCHEMES}
    for row in rows:
        name = names.get(row["scheme"].value)
        if name is None:
            continue
        labels = {k: row[k].value for k in ("en", "fr") if row[k] is not None}
        schemes[name][row["code"].value] = Concept(
            iri=row["c"].value, code=row["code"].value, labels=labels,
            broader=row["broader"].value if row["broader"] is not None else None,
            level=int(row["level"].value) if row["level"] is not None else None,
            municipality=row["municipality"].value == "true")
    return Vocabulary(schemes)


def seed_eligibility() -> dict[str, float]:
    """Shares of the seed graph's services that are open to all, restricted and not stated."""
    store = _load(seed_files())
    rows = store.query(f"""
        SELECT ?s (SAMPLE(?open) AS ?o) (SAMPLE(?status) AS ?r) WHERE {{
          ?s a <{PAS}Service> .
          OPTIONAL {{ ?s <{PAS}openToAllStatuses> ?open }}
          OPTIONAL {{ ?s <{PAS}eligibleStatus> ?status }}
        }} GROUP BY ?s""", use_default_graph_as_union=True)
    states = Counter("open" if r["o"] is not None else "restricted" if r["r"] is not None
                     else "not-stated" for r in rows)
    total = sum(states.values())
    return {state: states[state] / total for state in ("open", "restricted", "not-stated")}


def municipality_code(nuts3: str, number: int) -> str:
    """The notation (and IRI suffix) of the ``number``-th synthetic municipality of a region."""
    return f"syn-{nuts3.lower()}-{number:03d}"


# --- N-Quads terms ----------------------------------------------------------------------------

def iri(value: str) -> str:
    return f"<{value}>"


def literal(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    text = (value.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "\\r"))
    if lang:
        return f'"{text}"@{lang}'
    if datatype:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


A = iri(RDF_TYPE)


@dataclass
class Summary:
    triples: int = 0
    services: int = 0
    organisations: int = 0
    municipalities: int = 0
    eligibility: Counter = field(default_factory=Counter)


@dataclass
class Place:
    region: Concept
    country: Concept
    point: tuple[float, float]


class Generator:
    """Emits N-Quads lines; ``summary`` counts what was emitted."""

    def __init__(self, target: int, seed: int = DEFAULT_SEED):
        self.target = target
        self.rng = random.Random(seed)
        self.vocab = read_vocabulary()
        self.shares = seed_eligibility()
        self.summary = Summary()
        self._blank = 0

    # weighted choice among the codes a scheme really has
    def pick(self, scheme: str, weights: dict[str, float], k: int = 1) -> list[Concept]:
        concepts = sorted(self.vocab[scheme].values(), key=lambda c: c.code)
        chosen: list[Concept] = []
        while len(chosen) < min(k, len(concepts)):
            pool = [c for c in concepts if c not in chosen]
            chosen += self.rng.choices(pool, [weights.get(c.code, 1) for c in pool])
        return chosen

    def quad(self, s: str, p: str, o: str, graph: str) -> str:
        self.summary.triples += 1
        return f"{s} {p} {o} <{GRAPHS[graph]}> .\n"

    def blank(self) -> str:
        self._blank += 1
        return f"_:b{self._blank}"

    def lines(self) -> Iterator[str]:
        for graph in GRAPHS:
            node = iri(GRAPHS[graph])
            yield self.quad(node, A, iri(PROV + "Entity"), graph)
            yield self.quad(node, iri(DCT + "title"),
                            literal(f"Synthetic benchmark data: {graph}", "en"), graph)
            yield self.quad(node, iri(DCT + "description"), literal(
                "Generated by bench/generate.py for the benchmark; these are not real "
                "organisations or services.", "en"), graph)
        homes = yield from self.places()
        countries = sorted(homes)
        weights = [COUNTRY_WEIGHTS.get(c, 10) for c in countries]
        while self.summary.triples < self.target:
            country = self.rng.choices(countries, weights)[0]
            home, places = self.rng.choice(homes[country])
            yield from self.organisation(home, places)

    def places(self):
        """Synthetic municipalities under each NUTS 3 region; returns where organisations live.

        Returns, per country code, (home region, its municipalities) pairs: a home is a NUTS
        region of level 2 or 3 with no NUTS region below it.
        """
        regions = sorted(self.vocab["regions"].values(), key=lambda c: c.code)
        parents = {r.broader for r in regions if not r.municipality}
        per_region = max(3, round(self.target / 5000))
        homes: dict[str, list] = {}
        for region in regions:
            if region.municipality or region.iri in parents or (region.level or 0) < 2:
                continue
            country = self.vocab.country(region)
            centre = texts.COUNTRY_CENTRES.get(country.code, (48.0, 10.0))
            local = [r for r in regions if r.municipality and r.broader == region.iri]
            if region.level == 3:
                for number in range(1, per_region + 1):
                    local.append((yield from self.municipality(region, country, number)))
            places = [Place(m, country, self.point(centre, 1.5)) for m in local]
            homes.setdefault(country.code, []).append((Place(region, country, centre), places))
        return homes

    def point(self, centre: tuple[float, float], spread: float) -> tuple[float, float]:
        return (centre[0] + self.rng.uniform(-spread, spread),
                centre[1] + self.rng.uniform(-spread, spread))

    def municipality(self, nuts3: Concept, country: Concept, number: int):
        code = municipality_code(nuts3.code, number)
        node = iri(ID + "region/" + code)
        name = texts.place_name(self.rng, country.code)
        yield self.quad(node, A, iri(SKOS + "Concept"), "regions")
        yield self.quad(node, A, iri(PAS + "Municipality"), "regions")
        yield self.quad(node, A, iri(DCT + "Location"), "regions")
        yield self.quad(node, iri(SKOS + "inScheme"), iri(SCHEMES["regions"]), "regions")
        yield self.quad(node, iri(SKOS + "broader"), iri(nuts3.iri), "regions")
        yield self.quad(node, iri(SKOS + "notation"), literal(code), "regions")
        yield self.quad(node, iri(SKOS + "prefLabel"), literal(name, "en"), "regions")
        yield self.quad(node, iri(SKOS + "prefLabel"), literal(name, "fr"), "regions")
        self.summary.municipalities += 1
        return Concept(ID + "region/" + code, code, {"en": name, "fr": name}, nuts3.iri,
                       municipality=True)

    def organisation(self, home: Place, places: list[Place]) -> Iterator[str]:
        self.summary.organisations += 1
        number = self.summary.organisations
        node = iri(f"{ID}organisation/synthetic-{number:05d}")
        place = self.rng.choice(places) if places else home
        locality = place.region.labels.get("en", place.region.code)
        name, tag = texts.organisation_name(self.rng, home.country.code, locality)
        slug = f"org{number:05d}"
        g = "organisations"
        yield self.quad(node, A, iri(PAS + "Organisation"), g)
        yield self.quad(node, iri(SCHEMA + "name"), literal(name, tag), g)
        kind = self.pick("organisation-types", {"association": 5, "ngo": 3, "public-body": 2})
        yield self.quad(node, iri(ORG + "classification"), iri(kind[0].iri), g)
        yield self.quad(node, iri(PAS + "region"), iri(place.region.iri), g)
        yield self.quad(node, iri(SCHEMA + "url"), iri(f"https://{slug}.example/"), g)
        yield self.quad(node, iri(SCHEMA + "description"), literal(
            f"An organisation ({kind[0].labels.get('en', kind[0].code).lower()}) working with "
            f"newcomers in {locality}.", "en"), g)
        yield from self.address(node, place, g)
        yield from self.contact(node, slug, home.country.code, g)
        for _ in range(self.rng.randint(1, 7)):
            if self.summary.triples >= self.target:
                return
            yield from self.service(node, name, slug, home, places, place)

    def service(self, provider: str, provider_name: str, slug: str, home: Place,
                places: list[Place], place: Place) -> Iterator[str]:
        self.summary.services += 1
        number = self.summary.services
        node = iri(f"{ID}service/synthetic-{number:06d}")
        g = "services"
        rng = self.rng
        types = self.pick("service-types", TYPE_WEIGHTS, rng.choices((1, 2, 3), (60, 30, 10))[0])
        areas = self.areas(home, places, place)
        where = areas[0].labels.get("en", areas[0].code)
        country = home.country.code
        phrase = texts.service_phrase(rng, types[0].code, types[0].labels, country)
        yield self.quad(node, A, iri(PAS + "Service"), g)
        yield self.quad(node, iri(SCHEMA + "name"), literal(f"{phrase[0]} in {where}", "en"), g)
        yield self.quad(node, iri(SCHEMA + "name"), literal(f"{phrase[1]} à {where}", "fr"), g)
        if rng.random() < 0.95:
            extra = rng.choice(texts.EXTRAS)
            yield self.quad(node, iri(SCHEMA + "description"), literal(
                f"{phrase[0]} run by {provider_name} for newcomers in {where}. {extra[0]}",
                "en"), g)
            yield self.quad(node, iri(SCHEMA + "description"), literal(
                f"{phrase[1]} proposé par {provider_name} aux nouveaux arrivants à {where}. "
                f"{extra[1]}", "fr"), g)
        yield self.quad(node, iri(PAS + "provider"), provider, g)
        for concept in types:
            yield self.quad(node, iri(PAS + "serviceType"), iri(concept.iri), g)
        yield from self.eligibility(node)
        for area in areas:
            yield self.quad(node, iri(PAS + "serviceArea"), iri(area.iri), g)
        status = self.pick("service-statuses", SERVICE_STATUS_WEIGHTS)[0]
        yield self.quad(node, iri(PAS + "serviceStatus"), iri(status.iri), g)
        for language in self.languages(country):
            yield self.quad(node, iri(DCT + "language"), iri(language.iri), g)
        yield from self.practicalities(node, slug, number, place, country, g)

    def areas(self, home: Place, places: list[Place], place: Place) -> list[Concept]:
        """Mostly local (a municipality), else the home region, a wider region or the country."""
        draw = self.rng.random()
        if draw < 0.55 and places:
            chosen = [place.region]
            if self.rng.random() < 0.1:
                other = self.rng.choice(places).region
                if other != place.region:
                    chosen.append(other)
            return chosen
        if draw < 0.80:
            return [home.region]
        if draw < 0.95:
            regions = self.vocab.by_iri
            up = regions[home.region.broader]
            if up.broader and regions[up.broader].level and self.rng.random() < 0.4:
                up = regions[up.broader]
            return [up]
        return [home.country]

    def eligibility(self, node: str) -> Iterator[str]:
        draw = self.rng.random()
        if draw < self.shares["open"]:
            self.summary.eligibility["open"] += 1
            yield self.quad(node, iri(PAS + "openToAllStatuses"),
                            literal("true", datatype=XSD + "boolean"), "services")
        elif draw < self.shares["open"] + self.shares["restricted"]:
            self.summary.eligibility["restricted"] += 1
            count = self.rng.choices((1, 2), (70, 30))[0]
            for status in self.pick("statuses", STATUS_WEIGHTS, count):
                yield self.quad(node, iri(PAS + "eligibleStatus"), iri(status.iri), "services")
        else:
            self.summary.eligibility["not-stated"] += 1

    def languages(self, country: str) -> list[Concept]:
        table = self.vocab["languages"]
        chosen = [table[c] for c in (texts.COUNTRY_LANGUAGE.get(country),) if c in table]
        if self.rng.random() < 0.5:
            extra = self.rng.choice(MIGRANT_LANGUAGES)
            if extra in table and table[extra] not in chosen:
                chosen.append(table[extra])
        return chosen

    def practicalities(self, node: str, slug: str, number: int, place: Place, country: str,
                       g: str) -> Iterator[str]:
        rng = self.rng
        if rng.random() < 0.7:
            yield self.quad(node, iri(PAS + "openingHours"),
                            literal(rng.choice(texts.OPENING_HOURS), "en"), g)
        if rng.random() < 0.6:
            cost = rng.choice(texts.COSTS)
            yield self.quad(node, iri(PAS + "cost"), literal(cost[0], "en"), g)
            yield self.quad(node, iri(PAS + "cost"), literal(cost[1], "fr"), g)
        if rng.random() < 0.6:
            yield self.quad(node, iri(PAS + "howToApply"),
                            literal(rng.choice(texts.HOW_TO_APPLY), "en"), g)
        if rng.random() < 0.8:
            day = date(2024, 1, 1) + timedelta(days=rng.randrange(1035))
            yield self.quad(node, iri(PAS + "lastVerified"),
                            literal(day.isoformat(), datatype=XSD + "date"), g)
        if rng.random() < 0.5:
            yield self.quad(node, iri(SCHEMA + "url"),
                            iri(f"https://{slug}.example/services/{number}"), g)
        if rng.random() < 0.7:
            yield from self.address(node, place, g)
        if rng.random() < 0.4:
            geo = self.blank()
            lat, lon = self.point(place.point, 0.02)
            yield self.quad(node, iri(SCHEMA + "geo"), geo, g)
            yield self.quad(geo, A, iri(SCHEMA + "GeoCoordinates"), g)
            yield self.quad(geo, iri(SCHEMA + "latitude"),
                            literal(f"{lat:.4f}", datatype=XSD + "decimal"), g)
            yield self.quad(geo, iri(SCHEMA + "longitude"),
                            literal(f"{lon:.4f}", datatype=XSD + "decimal"), g)
        if rng.random() < 0.8:
            yield from self.contact(node, slug, country, g)

    def address(self, node: str, place: Place, g: str) -> Iterator[str]:
        address = self.blank()
        country = place.country.code
        yield self.quad(node, iri(SCHEMA + "address"), address, g)
        yield self.quad(address, A, iri(SCHEMA + "PostalAddress"), g)
        yield self.quad(address, iri(SCHEMA + "streetAddress"),
                        literal(texts.street(self.rng, country)), g)
        yield self.quad(address, iri(SCHEMA + "postalCode"),
                        literal(texts.postal_code(self.rng, country)), g)
        yield self.quad(address, iri(SCHEMA + "addressLocality"),
                        literal(place.region.labels.get("en", place.region.code)), g)
        yield self.quad(address, iri(SCHEMA + "addressCountry"),
                        literal(texts.ISO_COUNTRY.get(country, country)), g)

    def contact(self, node: str, slug: str, country: str, g: str) -> Iterator[str]:
        point = self.blank()
        yield self.quad(node, iri(SCHEMA + "contactPoint"), point, g)
        yield self.quad(point, A, iri(SCHEMA + "ContactPoint"), g)
        yield self.quad(point, iri(SCHEMA + "email"),
                        literal(f"{self.rng.choice(texts.MAILBOXES)}@{slug}.example"), g)
        yield self.quad(point, iri(SCHEMA + "telephone"),
                        literal(texts.telephone(self.rng, country)), g)
        yield self.quad(point, iri(SCHEMA + "contactType"),
                        literal(self.rng.choice(("registration", "information")), "en"), g)


def write(path: Path, target: int, seed: int = DEFAULT_SEED) -> Summary:
    """Write about ``target`` triples of synthetic data to ``path`` as N-Quads."""
    generator = Generator(target, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.writelines(generator.lines())
    return generator.summary


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    summary = write(args.out, args.triples, args.seed)
    print(f"{summary.triples} triples, {summary.services} services, "
          f"{summary.organisations} organisations, {summary.municipalities} municipalities "
          f"-> {args.out}")


if __name__ == "__main__":
    main()
