"""The multi-node topology as bench/cluster.py runs it, small, as a correctness check (no
timing asserts): two `annotator serve` nodes behind nginx on one PostgreSQL database, one of
them killed while annotators label through nginx."""
from __future__ import annotations

import argparse
import os
import shutil

import pytest

from conftest import IS_PG
from helpers import load_bench

pytestmark = [
    pytest.mark.skipif(not IS_PG, reason="PostgreSQL only: the nodes share one PostgreSQL database"),
    pytest.mark.skipif(shutil.which("nginx") is None and not os.access("/usr/sbin/nginx", os.X_OK),
                       reason="nginx is not installed (apt-get install nginx)"),
]


def test_two_nodes_behind_nginx_survive_a_killed_node(tmp_path):
    cluster = load_bench("cluster")
    args = argparse.Namespace(annotators=8, labels=30, seconds=60, nodes=2, kill_after=0.3,
                              no_kill=False)
    res = cluster.run(args, tmp_path / "cluster")
    assert res["cross"], "a session made on node 1 is not signed in on node 2"
    # The sign-in limit is one count across the nodes, not one per node.
    assert res["limit"] == [401] * cluster.PER_ACCOUNT + [429, 429]
    assert res["killed"] is not None
    assert res["problems"] == [], res["problems"][:5]
    assert not any(code >= 500 for code in res["statuses"]), res["statuses"]
    # A failed connection to nginx, if any, was started again (as the page retries), never a 5xx.
    assert len(res["errors"]) == res["retried"], res["errors"][:5]
    assert res["acked"] == 8 * 30  # every annotator finished, through the node left
    assert res["after_kill"] > 0
