"""Production serving: gunicorn where it runs (POSIX), waitress elsewhere."""
from __future__ import annotations

import multiprocessing
import os
import sys

# A keep-alive connection is closed (with "Connection: close") after this many requests, as
# nginx does, and the client reconnects. Without it a burst of connections (a restart, a
# load test) that landed on one worker stays there for good, leaving the other workers and
# cores idle; with it, connections are dealt out again every few seconds of steady use.
KEEPALIVE_REQUESTS = 100


class ConnectionBalance:
    """Keeps the workers' shares of keep-alive connections even.

    The kernel hands each new connection to whichever worker accepts first, busy or not, and
    a keep-alive connection then stays: 32 annotators were seen split 24 / 8 between two
    workers, those on the crowded one waiting five times longer. Each worker notes its open
    connections in shared memory (a slot per worker); a worker holding more than one above
    the least loaded closes the connection it is answering ("Connection: close", the client
    reconnects) until the shares are even."""

    SLOTS = 64

    def __init__(self):
        self.counts = multiprocessing.RawArray("i", self.SLOTS)  # open connections + 1; 0: free

    def pre_request(self, worker, req) -> None:
        number = getattr(req, "req_number", 0)
        if number >= KEEPALIVE_REQUESTS:
            req.must_close = True
            return
        mine = getattr(worker, "nr_conns", None)  # gthread workers; sync ones keep none alive
        if mine is None:
            return
        slot = self._slot(worker)
        self.counts[slot] = mine + 1
        if number < 2:
            return
        least = min((c - 1 for i, c in enumerate(self.counts) if c and i != slot), default=mine)
        if mine > least + 1:
            req.must_close = True

    def post_request(self, worker, req, environ, resp) -> None:
        if req.must_close and getattr(worker, "nr_conns", None) is not None:
            self.counts[self._slot(worker)] = worker.nr_conns  # one fewer, after closing

    def child_exit(self, server, worker) -> None:
        """In the master, for every worker reaped (a killed one too): its slot is free."""
        self.counts[self._slot(worker)] = 0

    def _slot(self, worker) -> int:
        return worker.age % self.SLOTS  # ages are unique; a reaped worker's slot is freed


def serve(host: str, port: int, workers: int, threads: int) -> None:
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # e.g. Windows
        BaseApplication = None
    if BaseApplication is None:
        from waitress import serve as wserve

        from . import create_app

        print(f"Serving on http://{host}:{port} (waitress, {threads} threads)", file=sys.stderr)
        wserve(create_app(), host=host, port=port, threads=max(threads * workers, 4))
        return

    balance = ConnectionBalance()

    class App(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("accesslog", None)
            self.cfg.set("timeout", 120)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("pre_request", balance.pre_request)
            self.cfg.set("post_request", balance.post_request)
            self.cfg.set("child_exit", balance.child_exit)
            if os.path.isdir("/dev/shm"):
                # The worker heartbeat file is touched on every loop: keep it off the disk.
                self.cfg.set("worker_tmp_dir", "/dev/shm")

        def load(self):
            from . import create_app

            return create_app()

    print(f"Serving on http://{host}:{port} (gunicorn, {workers} workers x {threads} threads)",
          file=sys.stderr)
    App().run()
