"""The benchmark: a synthetic graph generator and the measurements run by ``python -m bench``.

A plain folder run from the repository root, never installed and never mixed into the real data:
the synthetic graph lives in ``bench/results/`` (git-ignored) and in throwaway stores there.
"""
