"""Reading the services spreadsheet template (graph/templates/services-template.csv).

One row a service; the columns are described in graph/templates/README.md. Rows are numbered as
a spreadsheet shows them (the header is row 1), so "row 4, column statuses" is the cell to fix.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from passerelle.errors import PasserelleError
from passerelle.graph.importing import Address, Organisation, Problem, ServiceRecord, Value

COLUMNS = (
    "organisation", "organisation_id", "service_name_en", "service_name_fr", "description_en",
    "description_fr", "service_types", "statuses", "areas", "languages", "street", "postal_code",
    "locality", "country", "email", "telephone", "website", "opening_hours", "how_to_apply",
    "cost", "service_status", "last_verified",
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
    "pas:lastVerified": "last_verified",
}


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon or tab: spreadsheets save CSV with the separator of their locale."""
    header = text.splitlines()[0] if text else ""
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read(path: Path, *, language: str = "en") -> list[ServiceRecord]:
    """The rows of a filled-in template, as records; ``language`` tags the untranslated texts."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text), _dialect(text))
    header = [cell.strip() for cell in next(reader, [])]
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise PasserelleError(f"{path}: row 1: not template columns: {', '.join(unknown)} "
                              f"(the columns are {', '.join(COLUMNS)})")
    if not {"service_name_en", "service_name_fr"} & set(header):
        raise PasserelleError(f"{path}: row 1: no service_name_en or service_name_fr column")
    records = []
    for number, cells in enumerate(reader, start=2):
        row = {column: cell.strip() for column, cell in zip(header, cells, strict=False)}
        if any(row.values()):
            records.append(_record(row, number, language))
    return records


def _record(row: dict[str, str], number: int, language: str) -> ServiceRecord:
    def value(column: str) -> Value | None:
        text = row.get(column, "")
        return Value(text, f"row {number}, column {column}") if text else None

    def items(column: str) -> list[Value]:
        where = f"row {number}, column {column}"
        parts = row.get(column, "").split(LIST_SEPARATOR)
        return [Value(part.strip(), where) for part in parts if part.strip()]

    record = ServiceRecord(where=f"row {number}", language=language)
    name_column = "service_name_en" if row.get("service_name_en") else "service_name_fr"
    record.columns = {p: f"row {number}, column {c}" for p, c in PROPERTY_COLUMNS.items()}
    record.columns["schema:name"] = f"row {number}, column {name_column}"
    for lang in ("en", "fr"):
        if name := value(f"service_name_{lang}"):
            record.names[lang] = name
        if description := value(f"description_{lang}"):
            record.descriptions[lang] = description
    if row.get("organisation") or row.get("organisation_id"):
        record.organisation = Organisation(name=value("organisation"),
                                           slug=value("organisation_id"))
    record.types = items("service_types")
    _eligibility(record, items("statuses"))
    record.areas, record.languages = items("areas"), items("languages")
    address = Address(street=value("street"), postal_code=value("postal_code"),
                      locality=value("locality"), country=value("country"))
    if any(vars(address).values()):
        record.addresses.append(address)
    record.email, record.website = value("email"), value("website")
    record.telephones = [v for v in (value("telephone"),) if v]
    record.opening_hours, record.how_to_apply = value("opening_hours"), value("how_to_apply")
    record.cost, record.service_status = value("cost"), value("service_status")
    record.last_verified = value("last_verified")
    return record


def _eligibility(record: ServiceRecord, statuses: list[Value]) -> None:
    """Empty: not stated; the word ``all``: open to all statuses; else the listed statuses."""
    words = [s.text.casefold() for s in statuses]
    if "all" not in words:
        record.statuses = statuses
    elif words == ["all"]:
        record.open_to_all = True
    else:
        record.problems.append(Problem(statuses[0].where,
                                       "'all' cannot be combined with status codes"))
