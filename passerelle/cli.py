"""The ``passerelle`` command: serve, load, import, validate, query, export, coverage.

Every failure is one clear line on stderr and a non-zero exit, never a traceback: exit 1 when
the data is what to fix (it breaks a shape; for ``import``, also a file that cannot be read as
the spreadsheet template or HSDS JSON: bad quoting, an oversized cell, broken or too deeply
nested JSON), exit 2 when the command could not run (no such file, a kind of file it does not
take, a store it cannot open).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from passerelle.errors import PasserelleError
from passerelle.settings import Settings, get_settings


def _store_option(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", type=Path, metavar="DIR",
                       help="embedded store directory (default: the data directory's store)")
    where.add_argument("--endpoint", metavar="URL",
                       help="a SPARQL 1.1 query endpoint to use instead of an embedded store")
    parser.add_argument("--update-endpoint", metavar="URL",
                        help="its SPARQL Update endpoint (default: the query endpoint)")
    parser.add_argument("--store-endpoint", metavar="URL",
                        help="its Graph Store Protocol endpoint, used for large additions")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="passerelle",
        description="A linked-data knowledge graph of integration services and practices.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the API, the pages and the SPARQL endpoint")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-index", action="store_true",
                       help="filter searches through SPARQL alone, with no in-memory search index "
                            "(word search still uses its full-text index)")
    _store_option(serve)

    load = commands.add_parser("load", help="validate RDF files and load them into the store")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument("--graph", metavar="IRI", help="named graph for triples outside any graph")
    load.add_argument("--format", help="format of the files when their extension does not say")
    load.add_argument("--no-validate", action="store_true", help="store without SHACL validation")
    load.add_argument("--replace", action="store_true", help="replace the graphs' contents")
    _store_option(load)

    imports = commands.add_parser(
        "import", help="import services from the spreadsheet template (CSV) or Open Referral "
                       "HSDS 3.0/3.1 (JSON, tabular JSON, or a CSV datapackage folder)")
    imports.add_argument("file", type=Path, metavar="FILE.csv|FILE.json|DIR|datapackage.json")
    imports.add_argument("--graph", metavar="IRI",
                         help="named graph to (re)fill (default: one named after the file)")
    imports.add_argument("--skip-invalid", action="store_true",
                         help="store the valid rows and report the others")
    imports.add_argument("--check", action="store_true",
                         help="check and report everything, write nothing (a dry run)")
    imports.add_argument("--term-map", type=Path, metavar="FILE.json",
                         help="HSDS: declared mappings of taxonomy terms (id, code, term_uri or "
                              "name) to service-type codes, beyond Passerelle's own and Open "
                              "Eligibility's")
    imports.add_argument("--progress", action="store_true",
                         help="show a progress bar on standard error even when it is not a "
                              "terminal (on a terminal it shows on long imports anyway)")
    imports.add_argument("--lang", default=Settings.languages.default,
                         help="language of the texts the file does not tag (default: "
                              f"{Settings.languages.default})")
    _store_option(imports)

    validate = commands.add_parser(
        "validate", help="check RDF files (default: the bundled graph) against the shapes")
    validate.add_argument("files", nargs="*", type=Path, metavar="FILE")
    _store_option(validate)

    query = commands.add_parser("query", help="run a SPARQL query over the store")
    query.add_argument("sparql", help="the query text, or @FILE to read it from a file")
    query.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    _store_option(query)

    export = commands.add_parser("export", help="write the whole graph to standard output")
    export.add_argument("--format", default="ttl",
                        help="ttl, nt, nq, trig, jsonld or rdfxml; hsds for the services as "
                             "Open Referral HSDS 3.1 JSON")
    export.add_argument("--profile", choices=["dcat-ap", "cpsv-ap"],
                        help="write the DCAT-AP catalogue or the CPSV-AP profile of the services "
                             "instead of the whole graph")
    _store_option(export)

    coverage = commands.add_parser(
        "coverage", help="services by need and status in a region, as GET /api/coverage counts "
                         "them")
    coverage.add_argument("regions", nargs="+", metavar="REGION",
                          help="NUTS code, municipality or IRI; several give one matrix each")
    coverage.add_argument("--need", action="append", default=[], metavar="CODE",
                          help="a need (row); repeat for several (default: the top needs)")
    coverage.add_argument("--status", action="append", default=[], metavar="CODE",
                          help="a status (column); repeat for several (default: the top "
                               "statuses)")
    coverage.add_argument("--depth", type=int, default=0, metavar="N",
                          help="levels of narrower needs and statuses to add (0 to 5)")
    coverage.add_argument("--format", choices=["csv", "json"], default="csv")
    _store_option(coverage)

    rebuild = commands.add_parser(
        "rebuild-closure",
        help="recompute the derived concept closure the searches read (after restoring a dump "
             "with an engine's own loader)")
    _store_option(rebuild)
    return parser


def _open(args: argparse.Namespace, *, seed: bool = False):
    from passerelle.graph.store.bundle import open_remote, open_store

    if args.endpoint:
        return open_remote(args.endpoint, args.update_endpoint, args.store_endpoint, seed=seed)
    return open_store(args.store or get_settings().store_dir, seed=seed)


def _check_port(host: str, port: int) -> None:
    """Fail in one line, naming ``--port``, before the store is opened, when the port is taken."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise PasserelleError(f"cannot listen on host {host!r}: {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise PasserelleError(
                f"port {port} on {host} is not free ({error.strerror}); another program, "
                f"perhaps another 'passerelle serve', uses it: choose another with --port"
            ) from None


def _welcome(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"
    return (f"Passerelle is running: open {url}/\n"
            f"  {url}/         search services (for caseworkers)\n"
            f"  {url}/sparql   query the graph in SPARQL, with examples (for researchers)\n"
            f"  {url}/docs     the HTTP API and its parameters (for developers)\n"
            f"Press Ctrl+C to stop.")


def _where(args: argparse.Namespace) -> str:
    return f"--endpoint {args.endpoint}" + (f" --update-endpoint {args.update_endpoint}"
                                            if args.update_endpoint else "") \
        if args.endpoint else f"--store {args.store}" if args.store else ""


def _ready(store, args: argparse.Namespace) -> None:
    """Refuse an engine that would answer every search with nothing; rebuild a missing or stale
    closure, saying so."""
    from passerelle.graph.store import engine_check

    for finding in engine_check.check(store):
        if finding.kind == engine_check.NOT_UNION:
            raise PasserelleError(
                f"the engine at {args.endpoint} does not show its named graphs in its default "
                "graph, so every search would find nothing. Restart it with its default graph "
                "as the union of the named graphs: for an Oxigraph server, "
                "'oxigraph serve --location DIR --union-default-graph' (Virtuoso does this by "
                "default)")
        if finding.kind == engine_check.NO_VOCABULARY:
            raise PasserelleError("the store holds no Passerelle vocabulary in a named graph; "
                                  "load a backup with 'passerelle load FILE.nq --replace'")
        what = ("is missing" if finding.kind == engine_check.CLOSURE_MISSING
                else f"is out of date ({finding.count} gap(s))")
        print(f"passerelle serve: the derived concept closure {what}; rebuilding it "
              f"(as 'passerelle rebuild-closure {_where(args)}' does)", file=sys.stderr,
              flush=True)
        try:
            store.refresh_inferences()
        except Exception as error:  # the engine's own refusal, worded by the engine
            raise PasserelleError(
                f"could not rebuild the derived closure ({str(error)[:200]}); run "
                f"'passerelle rebuild-closure {_where(args)}' with write access") from None


def cmd_rebuild_closure(args: argparse.Namespace) -> int:
    from passerelle.graph.store import engine_check

    store = _open(args)
    found = engine_check.union_default_graph(store)
    if found is not None and found.kind == engine_check.NOT_UNION:
        raise PasserelleError("the engine's default graph is not the union of its named graphs; "
                              "restart it with --union-default-graph first")
    store.refresh_inferences()
    remaining = engine_check.closure(store)
    if remaining is not None:
        raise PasserelleError(f"the closure still has {remaining.count} gap(s) after rebuilding")
    print("rebuilt the derived concept closure")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from passerelle.api.server import serve

    get_settings()  # malformed settings (an API token with no name) stop the server at once
    _check_port(args.host, args.port)
    store = _open(args, seed=True)
    _ready(store, args)
    if not args.no_index and get_settings().search_index:
        from passerelle.graph.read import search_index

        search_index.current(store)  # built before the first search, not during it
    print(_welcome(args.host, args.port), flush=True)
    serve(store, host=args.host, port=args.port, index=False if args.no_index else None)
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from passerelle.graph.rdf import formats
    from passerelle.graph.write.loader import load

    fmt = formats.by_name(args.format) if args.format else None
    store = _open(args)
    result = load(store, args.files, graph=args.graph, validate_first=not args.no_validate,
                  replace=args.replace, fmt=fmt)
    if result.report and result.report.warnings:
        print(result.report.to_text(), file=sys.stderr)
    for graph, count in sorted(result.graphs.items()):
        print(f"loaded {count} triples into <{graph}>")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from passerelle.graph.imports import hsds, spreadsheet
    from passerelle.graph.imports.importer import import_records
    from passerelle.graph.rdf.namespaces import graph_iri
    from passerelle.graph.write.mapping import slugify

    kind = "dir" if args.file.is_dir() else args.file.suffix.lower()
    if kind not in (".csv", ".json", "dir"):
        raise PasserelleError(f"{args.file}: give a .csv (the template), a .json (HSDS) file "
                              "or an HSDS CSV datapackage folder")
    if kind != "dir" and not args.file.is_file():
        raise PasserelleError(f"{args.file}: no such file")
    if args.term_map is not None and not args.term_map.is_file():
        raise PasserelleError(f"{args.term_map}: no such file (--term-map)")
    if kind == ".csv":
        records = spreadsheet.records(args.file, language=args.lang)
        store = _open(args)
    else:
        store = _open(args)
        term_map = hsds.read_term_map(args.term_map) if args.term_map else None
        records = hsds.read(args.file, store, language=args.lang, term_map=term_map)
    name = args.file.parent.name if args.file.name == "datapackage.json" else args.file.stem
    graph = args.graph or graph_iri("import-" + (slugify(name) or "hsds"))
    result = import_records(store, records, graph=graph, source=args.file.name,
                            skip_invalid=args.skip_invalid, check_only=args.check,
                            progress=True if args.progress else None)
    for line in [*result.notes, *result.skipped]:
        print(line, file=sys.stderr)
    done = "checked, nothing written:" if result.checked_only else "imported"
    lone = f" and {result.organisations} organisation(s)" if result.organisations else ""
    stored = result.imported + result.organisations
    print(f"{done} {result.imported} service(s){lone} into <{graph}>"
          + (f"; skipped {result.read - stored}" if result.read > stored else "")
          + (f"; left out {len(result.skipped)} invalid value(s) or record(s)"
             if result.skipped else ""))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from passerelle.graph.store.bundle import seed_files
    from passerelle.graph.validation.gate import validate
    from passerelle.graph.write.loader import parse_files, referenced_context, to_rdflib

    files = args.files or seed_files()
    data = to_rdflib(parse_files(files))
    context = referenced_context(_open(args), data) if args.store else None
    report = validate(data, context)
    if report.violations or report.warnings:
        print(report.to_text())
    print(f"{len(files)} file(s), {len(data)} triples: {len(report.violations)} violation(s), "
          f"{len(report.warnings)} warning(s)")
    return 0 if report.conforms else 1


def cmd_query(args: argparse.Namespace) -> int:
    import pyoxigraph as ox

    text = args.sparql
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    store = _open(args)
    try:
        result = store.query(text)
    except SyntaxError as error:
        raise PasserelleError(f"the query does not parse: {error}") from None
    out = sys.stdout
    if isinstance(result, ox.QueryTriples | list):
        out.write(ox.serialize(result, format=ox.RdfFormat.TURTLE).decode())
        return 0
    if isinstance(result, ox.QueryBoolean):
        value = bool(result)
        out.write(json.dumps({"boolean": value}) + "\n" if args.format == "json"
                  else f"{str(value).lower()}\n")
        return 0
    formats_ = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                "json": ox.QueryResultsFormat.JSON}
    if args.format in formats_:
        out.write(result.serialize(format=formats_[args.format]).decode())
        if args.format == "json":
            out.write("\n")
        return 0
    rows = list(csv.reader(io.StringIO(result.serialize(format=ox.QueryResultsFormat.CSV)
                                       .decode())))
    _print_table(rows, out)
    return 0


def _print_table(rows: list[list[str]], out) -> None:
    if not rows:
        return
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        out.write(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip()
                  + "\n")
        if n == 0:
            out.write("-+-".join("-" * w for w in widths) + "\n")
    out.write(f"({len(rows) - 1} row{'s' if len(rows) != 2 else ''})\n")


def cmd_export(args: argparse.Namespace) -> int:
    from passerelle.graph.rdf import formats

    if args.format == "hsds":
        from passerelle.graph.export import hsds

        export = hsds.document(_open(args))
        print(hsds.left_out_note(export), file=sys.stderr)
        json.dump(export.document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    fmt = formats.by_name(args.format)
    store = _open(args)
    if args.profile is None:
        sys.stdout.buffer.write(store.dump(fmt))
        return 0
    if fmt.dataset and fmt.name != "jsonld":
        raise PasserelleError(
            f"a profile is one graph: use ttl, nt, jsonld or rdfxml, not {fmt.name}")
    from passerelle.graph.export import catalog, cpsv, dumps

    if args.profile == "cpsv-ap":
        profile = cpsv.build(store)
        print(cpsv.omission_note(profile), file=sys.stderr)
        graph = profile.graph
    else:
        settings = get_settings()
        graph = catalog.build(store, settings,
                              dumps.build(store, dumps.private_graphs(settings)))
    sys.stdout.buffer.write(graph.serialize(format=fmt.rdflib, encoding="utf-8"))
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from passerelle.graph.read import coverage

    if not 0 <= args.depth <= coverage.MAX_DEPTH:
        raise PasserelleError(f"--depth must be between 0 and {coverage.MAX_DEPTH}, "
                              f"not {args.depth}")
    found = coverage.matrices(_open(args), args.regions, args.need, args.status, args.depth)
    if args.format == "json":
        json.dump(coverage.answer(found), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(coverage.COLUMNS)
    writer.writerows(coverage.table(found))
    return 0


COMMANDS = {"serve": cmd_serve, "load": cmd_load, "import": cmd_import, "validate": cmd_validate,
            "query": cmd_query, "export": cmd_export, "rebuild-closure": cmd_rebuild_closure,
            "coverage": cmd_coverage}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PasserelleError as error:
        print(f"passerelle {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except (ValueError, OSError) as error:
        print(f"passerelle {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
