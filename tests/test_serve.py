"""annotator serve: keep-alive connections are spread evenly over the gunicorn workers."""
from __future__ import annotations

from types import SimpleNamespace

from annotator.serve import KEEPALIVE_REQUESTS, ConnectionBalance


def _worker(age: int, conns: int | None):
    worker = SimpleNamespace(age=age)
    if conns is not None:  # gthread workers count their connections; sync workers keep none
        worker.nr_conns = conns
    return worker


def _request(balance, worker, number: int) -> bool:
    """Whether the worker closes the connection after answering request `number` on it."""
    req = SimpleNamespace(req_number=number, must_close=False)
    balance.pre_request(worker, req)
    balance.post_request(worker, req, {}, None)
    return req.must_close


def test_a_crowded_worker_sheds_connections_until_the_shares_are_even():
    balance = ConnectionBalance()
    crowded, quiet = _worker(1, 24), _worker(2, 8)
    assert not _request(balance, quiet, 5)
    assert _request(balance, crowded, 5)        # 24 > 8 + 1: "Connection: close"
    assert balance.counts[1] == 24              # noted as one fewer (24 open, +1, -1)
    assert not _request(balance, quiet, 6)      # the quiet one keeps its connections
    crowded.nr_conns, quiet.nr_conns = 17, 15   # clients reconnected, some to the other worker
    assert not _request(balance, quiet, 7)
    assert _request(balance, crowded, 8)        # 17 > 15 + 1
    crowded.nr_conns = 16
    assert not _request(balance, crowded, 9)    # 16 against 15: even enough


def test_a_first_request_an_old_connection_and_a_worker_alone():
    balance = ConnectionBalance()
    crowded, quiet = _worker(1, 24), _worker(2, 8)
    _request(balance, quiet, 3)
    assert not _request(balance, crowded, 1)    # a new connection is answered and kept
    assert _request(ConnectionBalance(), _worker(3, 4), KEEPALIVE_REQUESTS)  # recycled anyway
    assert not _request(ConnectionBalance(), _worker(4, 30), 5)  # nobody to hand over to
    assert not _request(balance, _worker(5, None), 5)            # sync worker: nothing kept
    assert balance.counts[5] == 0


def test_an_exited_worker_is_forgotten():
    """The master clears the slot of every worker it reaps, one killed by a signal too."""
    balance = ConnectionBalance()
    crowded, gone = _worker(1, 20), _worker(2, 3)
    _request(balance, gone, 2)
    assert _request(balance, crowded, 2)
    balance.child_exit(None, gone)
    assert not _request(balance, crowded, 3)    # no other worker left to balance against
