"""``bench/certificates.py`` measures a working app: with a few people it issues one
certificate each, numbered without gaps, and the ZIP holds one PDF per certificate."""

from __future__ import annotations

from bench.certificates import run


def test_bench_runs_with_a_small_count() -> None:
    result = run(3)
    assert result["issued"] == 3
    assert result["files"] == 3
    assert result["bytes"] > 3 * 5000
    assert result["total_seconds"] > 0
    assert result["baseline_seconds"] > 0
    assert result["ratio"] > 0


def test_bench_of_nobody_makes_an_empty_zip() -> None:
    result = run(0)
    assert (result["issued"], result["files"]) == (0, 0)
