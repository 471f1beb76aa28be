"""Production serving: gunicorn where it runs (POSIX), waitress elsewhere."""
from __future__ import annotations

import os
import sys

from . import create_app


def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Each worker makes its own app after the fork: database connections are never shared
    across processes."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # e.g. Windows: gunicorn needs fork()
        from waitress import serve as wserve

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
            if os.path.isdir("/dev/shm"):
                # The worker heartbeat file is touched on every loop: keep it off the disk.
                self.cfg.set("worker_tmp_dir", "/dev/shm")

        def load(self):
            return create_app()

    print(f"Serving on http://{host}:{port} (gunicorn, {workers} workers x {threads} threads)",
          file=sys.stderr)
    App().run()
