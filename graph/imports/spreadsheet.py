"""Reading the services spreadsheet template (spreadsheet_template/services-template.csv).

One row a service; the columns are described in spreadsheet_template/README.md, beside it. Rows
are numbered as a spreadsheet shows them (the header is row 1), so "row 4, column statuses" is
the cell to fix.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from passerelle.errors import InvalidData
from passerelle.graph.imports.importer import ServiceRecord, given
from passerelle.graph.write.mapping import Problem, Value
from passerelle.settings import Settings

COLUMNS = (
    "organisation", "organisation_id", "service_name_en", "service_name_fr", "description_en",
    "description_fr", "service_types", "statuses", "areas", "languages", "street", "postal_code",
    "locality", "country", "email", "telephone", "website", "opening_hours", "how_to_apply",
    "cost", "service_status", "last_verified", "region", "latitude", "longitude", "hours",
    "free", "documents", "min_age", "max_age", "interpretation", "accessibility", "contact_type",
)
LIST_SEPARATOR = ";"

# Where a rule broken on a property is reported: the column that fills it.
PROPERTY_COLUMNS = {
    "schema:description": "description_en", "pas:serviceType": "service_types",
    "pas:eligibleStatus": "statuses", "pas:openToAllStatuses": "statuses",
    "pas:serviceArea": "areas", "dct:language": "languages", "schema:streetAddress": "street",
    "schema:postalCode": "postal_code", "schema:addressLocality": "locality",
    "schema:addressCountry": "country", "schema:email": "email", "schema:telephone": "telephone",
    "schema:url": "website", "pas:openingHours": "opening_hours", "pas:howToApply": "how_to_apply",
    "pas:cost": "cost", "pas:provider": "organisation", "pas:serviceStatus": "service_status",
    "pas:lastVerified": "last_verified", "schema:addressRegion": "region",
    "schema:latitude": "latitude", "schema:longitude": "longitude", "schema:dayOfWeek": "hours",
    "schema:opens": "hours", "schema:closes": "hours", "schema:isAccessibleForFree": "free",
    "pas:requiredDocument": "documents", "pas:minimumAge": "min_age",
    "pas:maximumAge": "max_age", "pas:interpretationAvailable": "interpretation",
    "pas:accessibility": "accessibility", "schema:contactType": "contact_type",
}

HOURS_LINE = re.compile(r"(?P<days>[A-Za-z]{2}(?:\s*,\s*[A-Za-z]{2})*)\s+"
                        r"(?P<opens>\d{1,2}[:h.]\d{2})\s*[-–]\s*(?P<closes>\d{1,2}[:h.]\d{2})")
"""One line of the ``hours`` column: days, then opening and closing times (``mo,tu 9:00-12:30``)."""


CELL_LIMIT = 128 * 1024
"""The longest cell read, in characters: far more than any description needs."""

DELIMITERS = (",", ";", "\t")


def _delimiter(header: str) -> str:
    """Comma (RFC 4180), or the semicolon or tab that spreadsheets of some locales save with.

    Told from the header, which holds only column names: the separator is the one that splits
    it into template columns. Quoting is RFC 4180's whatever the separator: a cell in double
    quotes may hold separators, line breaks and quotes, each written twice.
    """
    for delimiter in DELIMITERS:
        cells = [c.strip().strip('"').strip() for c in header.split(delimiter)]
        if len(cells) > 1 and all(c in COLUMNS for c in cells):
            return delimiter
    counts = {d: header.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


def _rows(path: Path, header: str):
    """The rows as lists of cells, each numbered as a spreadsheet numbers it (the header is 1),
    read from the file a row at a time (the file's text is not held: Python's CSV reader over
    a string in memory would hold it four bytes a character).

    A malformed quote, a NUL character or a cell over ``CELL_LIMIT`` is an ``InvalidData``
    naming the row (and column when known), never a traceback.
    """
    number = 0
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, path.stat().st_size + 1))
    try:
        with path.open(encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=_delimiter(header), quotechar='"',
                                doublequote=True, skipinitialspace=False, strict=True)
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise InvalidData(f"{path}: row {number + 1} (line {reader.line_num}): "
                                      f"not RFC 4180 CSV: {error}") from None
                except UnicodeDecodeError:  # the file changed since its encoding was checked
                    raise InvalidData(f"{path}: row {number + 1}: not UTF-8 text (save the "
                                      "sheet as CSV UTF-8)") from None
                number += 1
                yield number, cells
    finally:
        csv.field_size_limit(limit)


def read(path: Path, *, language: str = Settings.languages.default) -> list[ServiceRecord]:
    """The rows of a filled-in template, as records; ``language`` tags the untranslated texts."""
    return list(records(path, language=language))


def records(path: Path, *, language: str = Settings.languages.default) -> Iterator[ServiceRecord]:
    """The rows of a filled-in template, as records, one at a time (an import holds a part of
    the file, not all of it). The file's encoding and header are checked before this returns;
    a row that cannot be read is an ``InvalidData`` when the reading reaches it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidData(f"{path}: byte {error.start}: not UTF-8 text (save the sheet as "
                          "CSV UTF-8)") from None
    end = text.find("\n")
    rows = _rows(path, text if end < 0 else text[:end])
    del text
    _, first = next(rows, (1, []))
    header = [cell.strip() for cell in first]
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InvalidData(f"{path}: row 1: not template columns: {', '.join(unknown)} "
                          f"(the columns are {', '.join(COLUMNS)})")
    if not {"service_name_en", "service_name_fr"} & set(header):
        raise InvalidData(f"{path}: row 1: no service_name_en or service_name_fr column")
    return _records(path, rows, header, language)


def _records(path: Path, rows, header: list[str], language: str) -> Iterator[ServiceRecord]:
    for number, cells in rows:
        if len(max(cells, key=len, default="")) > CELL_LIMIT:
            for column, cell in zip(header, cells, strict=False):
                if len(cell) > CELL_LIMIT:
                    raise InvalidData(f"{path}: row {number}, column {column}: {len(cell):,} "
                                      f"characters, more than a cell may hold ({CELL_LIMIT:,})")
        row = {column: cell.strip() for column, cell in zip(header, cells, strict=False)}
        if any(row.values()):
            yield _record(row, number, language)


def _record(row: dict[str, str], number: int, language: str) -> ServiceRecord:
    at = f"row {number}, column "
    value = {column: Value(text, at + column) for column, text in row.items() if text}.get

    def items(column: str) -> list[Value]:
        text = row.get(column)
        if not text:
            return []
        where = at + column
        return [Value(part, where) for part in map(str.strip, text.split(LIST_SEPARATOR))
                if part]

    record = ServiceRecord(where=f"row {number}", language=language)
    name_column = "service_name_en" if row.get("service_name_en") else "service_name_fr"
    record.columns = _Columns(number, name_column)
    if row.get("organisation") or row.get("organisation_id"):
        record.organisation = given(name=value("organisation"), id=value("organisation_id"))
    address = given(street=value("street"), postal_code=value("postal_code"),
                    locality=value("locality"), region=value("region"),
                    country=value("country"))
    record.json = given(
        name=given(en=value("service_name_en"), fr=value("service_name_fr")),
        description=given(en=value("description_en"), fr=value("description_fr")),
        service_types=items("service_types"), eligibility=_eligibility(record, items("statuses")),
        areas=items("areas"), languages=items("languages"), address=address,
        contact=given(email=value("email"), telephone=value("telephone"),
                      contact_type=value("contact_type")),
        url=value("website"), opening_hours=value("opening_hours"),
        how_to_apply=value("how_to_apply"), cost=value("cost"), status=value("service_status"),
        last_verified=value("last_verified"),
        geo=given(lat=value("latitude"), lon=value("longitude")) or None,
        hours=_hours(record, items("hours")), free=value("free"),
        documents=items("documents"),
        age=given(min=value("min_age"), max=value("max_age")) or None,
        interpretation=value("interpretation"), accessibility=value("accessibility"))
    return record


class _Columns(Mapping[str, str]):
    """Where a row holds each property (``PROPERTY_COLUMNS``, and its name's column), said
    only for the properties a finding names: a file's rows are many, its findings few."""

    def __init__(self, number: int, name_column: str):
        self.number, self.name_column = number, name_column

    def _column(self, prop: str) -> str | None:
        return self.name_column if prop == "schema:name" else PROPERTY_COLUMNS.get(prop)

    def __getitem__(self, prop: str) -> str:
        column = self._column(prop)
        if column is None:
            raise KeyError(prop)
        return f"row {self.number}, column {column}"

    def __iter__(self) -> Iterator[str]:
        return iter([*PROPERTY_COLUMNS, "schema:name"])

    def __len__(self) -> int:
        return len(PROPERTY_COLUMNS) + ("schema:name" not in PROPERTY_COLUMNS)


def _hours(record: ServiceRecord, lines: list[Value]) -> list[dict] | None:
    """``mo,tu 09:00-12:00; th 14:00-17:00`` as the write API's structured hours."""
    out = []
    for line in lines:
        found = HOURS_LINE.fullmatch(line.text)
        if found is None:
            record.problems.append(Problem(line.where, f"{line.text[:80]!r} is not days and "
                                           "times such as 'mo,tu 09:00-12:00'"))
            continue
        days = [Value(day.strip(), line.where) for day in found["days"].split(",")]
        out.append({"days": days, "opens": Value(found["opens"], line.where),
                    "closes": Value(found["closes"], line.where)})
    return out or None


def _eligibility(record: ServiceRecord, statuses: list[Value]) -> dict | None:
    """Empty: not stated; the word ``all``: open to all statuses; else the listed statuses."""
    words = [s.text.casefold() for s in statuses]
    if not statuses:
        return None
    if "all" not in words:
        return {"state": "restricted", "statuses": statuses}
    if words == ["all"]:
        return {"state": "open-to-all"}
    record.problems.append(Problem(statuses[0].where,
                                   "'all' cannot be combined with status codes"))
    return None
