"""The benchmark's writing of results: percentiles, and the README section it owns.

``make bench`` rewrites part of the README, so it must leave everything else exactly as it was
and give the same README when run twice.
"""

from __future__ import annotations

from bench.report import update_readme
from bench.stats import summarise

README = """# Passerelle

```sh
make run
```

## Layout
Some text.

## Licence
Code: EUPL-1.2.
"""


def test_percentiles_are_nearest_rank():
    stats = summarise([float(n) for n in range(1, 101)])
    assert (stats["p50"], stats["p90"], stats["p99"], stats["min"], stats["max"]) == \
        (50, 90, 99, 1, 100)
    assert summarise([]) is None
    assert summarise([7.0])["p99"] == 7.0


def test_readme_section_is_added_before_the_licence_and_replaced_on_rerun(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README)
    update_readme(readme, "| a | b |\n")
    first = readme.read_text()
    assert first.startswith(README.split("## Licence")[0])
    assert first.index("## Benchmark") < first.index("## Licence")
    assert first.endswith("## Licence\nCode: EUPL-1.2.\n")
    update_readme(readme, "| a | b |\n")
    assert readme.read_text() == first
    update_readme(readme, "| c | d |\n")
    second = readme.read_text()
    assert "| c | d |" in second and "| a | b |" not in second
    assert second.count("## Benchmark") == 1
