"""Production serving: gunicorn where it runs (POSIX), waitress elsewhere."""
from __future__ import annotations

import os
import sys

# A keep-alive connection is closed (with "Connection: close") after this many requests, as
# nginx does, and the client reconnects. Without it a burst of connections (a restart, a
# load test) that landed on one worker stays there for good, leaving the other workers and
# cores idle; with it, connections are dealt out again every few seconds of steady use.
KEEPALIVE_REQUESTS = 100


def _recycle_connection(worker, req) -> None:
    if getattr(req, "req_number", 0) >= KEEPALIVE_REQUESTS:
        req.must_close = True


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

    class App(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("accesslog", None)
            self.cfg.set("timeout", 120)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("pre_request", _recycle_connection)
            if os.path.isdir("/dev/shm"):
                # The worker heartbeat file is touched on every loop: keep it off the disk.
                self.cfg.set("worker_tmp_dir", "/dev/shm")

        def load(self):
            from . import create_app

            return create_app()

    print(f"Serving on http://{host}:{port} (gunicorn, {workers} workers x {threads} threads)",
          file=sys.stderr)
    App().run()
