"""Real SPARQL engines for the tests: an Oxigraph server process and Virtuoso Open Source.

Each starts on loopback in a private folder and is stopped by its fixture; nothing is mocked.
Virtuoso's settings follow what ../shared/engines/virtuoso.md found to work on these machines.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests import servers
from tests.servers import free_port

VIRTUOSO_INI = Path("/usr/share/virtuoso-opensource-7/virtuoso.ini")


@dataclass
class Engine:
    name: str
    query_url: str
    update_url: str
    process: subprocess.Popen

    def stop(self) -> None:
        servers.stop(self.process)


def start_oxigraph_server(folder: Path, *, union_default_graph: bool = True) -> Engine:
    """``union_default_graph=False`` starts it the wrong way for Passerelle, as a test needs."""
    process, base = servers.start_oxigraph(folder / "db", union_default_graph=union_default_graph)
    return Engine("oxigraph-server", base + "/query", base + "/update", process)


def virtuoso_available() -> bool:
    return shutil.which("virtuoso-t") is not None and VIRTUOSO_INI.exists()


def _virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> str:
    section = ""
    out = []
    settings = {
        "Database": {"DatabaseFile": "virtuoso.db", "ErrorLogFile": "virtuoso.log",
                     "LockFile": "virtuoso.lck", "TransactionFile": "virtuoso.trx",
                     "xa_persistent_file": "virtuoso.pxa"},
        "TempDatabase": {"DatabaseFile": "virtuoso-temp.db",
                         "TransactionFile": "virtuoso-temp.trx"},
        "Parameters": {"ServerPort": f"127.0.0.1:{sql_port}", "DirsAllowed": f"., {folder}",
                       "NumberOfBuffers": "2000", "MaxDirtyBuffers": "1200",
                       "MaxQueryMem": "256M", "VADInstallDir": str(folder / "vad")},
        "HTTPServer": {"ServerPort": f"127.0.0.1:{http_port}"},
    }
    for line in VIRTUOSO_INI.read_text().splitlines():
        header = re.match(r"^\[(.+)\]", line)
        if header:
            section = header.group(1)
        if section == "Plugins":
            continue
        key = re.match(r"^\s*([A-Za-z_]+)\s*=", line)
        if key and key.group(1) in settings.get(section, {}):
            line = f"{key.group(1)} = {settings[section][key.group(1)]}"
        out.append(line)
    return "\n".join(out) + "\n"


def start_virtuoso(folder: Path) -> Engine:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vad").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(_virtuoso_ini(folder, sql_port, http_port))
    base = f"http://127.0.0.1:{http_port}"
    process = servers.start(["virtuoso-t", "+foreground", "+configfile", str(ini)],
                            servers.answers(base + "/sparql", query="ASK {}"), what="Virtuoso",
                            seconds=90, cwd=folder)
    grant = subprocess.run(
        ["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba",
         'EXEC=GRANT SPARQL_UPDATE TO "SPARQL";'],
        capture_output=True, timeout=60)
    if b"*** Error" in grant.stderr or b"*** Error" in grant.stdout:
        process.kill()
        raise RuntimeError(f"Virtuoso refused the update grant: {grant.stderr.decode()}")
    return Engine("virtuoso", base + "/sparql", base + "/sparql", process)
