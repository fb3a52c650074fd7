"""Packages found automatically under each folder the ``passerelle.*`` namespace maps.

``graph/`` and ``api/`` stand at the top of the repository but install as ``passerelle.graph`` and
``passerelle.api``; setuptools' own discovery cannot map several folders into one namespace, so the
mapping is declared here once and every folder below it (a package, or data such as templates
and queries) is found with its files, never listed.

The interface catalogues are compiled here too: each ``.po`` under ``api/translations`` becomes
its ``.mo`` beside it in the build, so a wheel carries compiled catalogues that are not committed.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

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


class build_py_with_catalogues(build_py):  # noqa: N801 - setuptools names commands so
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        built = Path(self.build_lib, "passerelle", "api", "translations")
        for po in sorted(built.rglob("*.po")):
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=po.parts[-3])
            with po.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog)


packages, package_dir = discover()
setup(packages=packages, package_dir=package_dir, package_data={p: ["*"] for p in packages},
      cmdclass={"build_py": build_py_with_catalogues})
