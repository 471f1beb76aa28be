"""A small run of bench/load.py as a correctness check (no timing asserts): a real
`annotator serve` on the test database, several annotators at once through the REST API;
every acknowledged label is stored exactly once, no sentence passes k, no 5xx."""
from __future__ import annotations

from helpers import load_bench


def test_concurrent_annotators_exactly_once(app, database_url, tmp_path):
    load = load_bench("load")
    # 6 annotators who would take 80 labels each, on 10 articles x 20 sentences with
    # overlap 2: together they exhaust the 400 slots, so the last ones are contended.
    run = load.run_load(app, database_url, tmp_path / "serve-instance", annotators=6,
                        labels=80, seconds=60, articles=10, overlap=2)
    assert run.problems == [], run.problems[:5]
    assert not any(code >= 500 for code in run.statuses), run.statuses
    assert not run.errors, run.errors[:5]
    acked = sum(len(r.acked) for r in run.results)
    assert acked == 400, (acked, run.statuses)
