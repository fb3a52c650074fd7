"""How the benchmark samples a path: kinds apart, and a kind too slow for the cap cut off whole.

Why: a baseline that cannot answer a kind within the run's budget (facet counts through a remote
engine at a million triples) must show as cut off, not as the figure of the searches that happened
to finish, and must not take the other kinds' samples with it.
"""

from __future__ import annotations

from bench import measure
from bench.workload import search

MIX = [search("fast", q="a"), search("fast", q="b"), search("slow", q="c"),
       search("slow", q="d")]


def test_a_kind_given_up_on_is_cut_whole_and_the_others_are_sampled():
    asked = []

    def once(item):
        asked.append(item.http["q"])
        if item.http["q"] == "d":
            raise measure.CutOff

    found = measure.each_kind(MIX, once, budget_s=0, min_rounds=1, cap_s=9)
    assert found["cut"] == {"slow": 9}
    assert set(found["samples"]) == {"fast"}
    assert len(found["samples"]["fast"]) == 2  # one round of its two searches, after warm-up
    assert asked.count("d") == 1 and asked.count("c") == 1  # never asked again once cut
    summary = measure.summary(found, {"samples": {"other": [1.0, 3.0]}, "cut": {}})
    assert summary["cut"] == {"slow": 9}
    assert summary["other"]["p50"] == 1.0 and summary["all"]["n"] == 4
    assert "slow" not in summary


def test_a_search_that_fails_later_drops_the_samples_of_its_kind():
    slow = []

    def once(item):
        if item.kind == "slow":
            slow.append(item)
            if len(slow) == 4:  # the second search of the first measured round
                raise measure.CutOff

    found = measure.each_kind(MIX, once, budget_s=0, min_rounds=1, cap_s=5)
    assert found["cut"] == {"slow": 5}
    assert "slow" not in found["samples"] and len(found["samples"]["fast"]) == 2
    assert len(slow) == 4
