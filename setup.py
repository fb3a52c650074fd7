"""Packages found automatically under each folder the ``passerelle.*`` namespace maps.

``graph/`` and ``api/`` stand at the top of the repository but install as ``passerelle.graph`` and
``passerelle.api``; setuptools' own discovery cannot map several folders into one namespace, so the
mapping is declared here once and every folder below it (a package, or data such as templates
and queries) is found with its files, never listed.
"""

from pathlib import Path

from setuptools import setup

ROOTS = {
    "passerelle": "passerelle",
    "passerelle.graph": "graph",
    "passerelle.api": "api",
    "passerelle.ontology": "ontology",
    "passerelle.shapes": "shapes",
}
SKIPPED = {"__pycache__", "node_modules"}


def discover() -> tuple[list[str], dict[str, str]]:
    packages, folders = [], {}
    for name, folder in ROOTS.items():
        for path in sorted([Path(folder), *Path(folder).rglob("*")]):
            if path.is_dir() and not SKIPPED & set(path.parts):
                package = ".".join([name, *path.relative_to(folder).parts])
                packages.append(package)
                folders[package] = str(path)
    return packages, folders


packages, package_dir = discover()
setup(packages=packages, package_dir=package_dir, package_data={p: ["*"] for p in packages})
