"""The cells of the results tables: numbers, latencies, loads, ratios, as text.

Every cell takes what ``results.json`` holds and returns "-" or "not run" for what a run did not
measure, so an older results file still renders.
"""

from __future__ import annotations


def number(value, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "-"
    text = f"{value:,.{digits}f}" if isinstance(value, float) or digits else f"{value:,}"
    return f"{text}{unit}"


def ms(stats: dict | None) -> str:
    if not stats:
        return "-"
    return f"{fmt_ms(stats['p50'])} / {fmt_ms(stats['p99'])}"


def fmt_ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def load(entry: dict | None) -> str:
    if not entry:
        return "not run"
    if entry.get("violations"):
        return f"{entry['violations']} violation(s) in {entry['seconds']:,.1f} s"
    return f"{entry['seconds']:,.1f} s ({number(entry['triples_per_s'])} triples/s)"


def rdflib(entry: dict | None, kind: str = "all") -> str:
    if not entry or entry.get("skipped"):
        return (entry or {}).get("skipped", "-")
    stats = entry["search"].get(kind)
    if stats:
        return ms(stats) + ("" if entry["complete"] else " (partial)")
    return f"cut off at {entry['cap_s']:.0f} s" + (
        f" (load {entry['load_s']:.0f} s)" if entry.get("load_s") else " (still loading)")


def ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or not b["p50"]:
        return "-"
    return f"{a['p50'] / b['p50']:.2f}x"


def kept(scale: dict, where: str, kind: str = "all") -> str:
    """Latency of kept answers (``http_kept`` or ``handler_kept``), "-" if the run had none."""
    return ms((scale["search"].get(f"{where}_kept") or {}).get(kind))


def throughput(entry: dict | None) -> str:
    if not entry:
        return "-"
    return f"{entry['per_s']:,.0f} ({entry['clients']} clients, {entry['errors']} errors)"


def oxigraph(scale: dict, cell) -> str:
    """``cell`` of the scale's Oxigraph-server results, if that backend ran."""
    backend = scale.get("oxigraph_server")
    return cell(backend) if backend else "not run"


def mib(value) -> str:
    return number(value, " MiB", 0)


def oxigraph_load(scale: dict) -> str:
    return oxigraph(scale, lambda o: f"{o['load']['seconds']:,.1f} s "
                    f"({number(o['load']['quads_per_s'])} quads/s)")


def backend_ratios(scale: dict) -> str:
    """The Oxigraph server's p50 over the embedded store's: through the API against the API and
    against the handler in-process (which, like a remote engine, keeps no answers), then the
    floor against the floor."""
    ours = scale["search"]

    def cell(backend: dict) -> str:
        http, floor = backend["search"]["http"]["all"], backend["search"]["floor"]["all"]
        return (f"{ratio(http, ours['http']['all'])}, {ratio(http, ours['handler']['all'])}, "
                f"{ratio(floor, ours['raw']['all'])}")

    return oxigraph(scale, cell)


def same_answers(scale: dict) -> str:
    return oxigraph(scale, lambda o: " / ".join(
        "yes" if o["same_answers"][k] else "NO" for k in ("sparql_rows", "api_totals")))


def write(scale: dict, *path: str) -> str:
    """Latency of one way of writing (``writes`` > ``path``), or "not run"."""
    entry = scale.get("writes")
    for key in path:
        entry = (entry or {}).get(key)
    return ms(entry) if entry else "not run"
