"""Production serving: gunicorn where it runs (POSIX), waitress elsewhere."""
from __future__ import annotations

import sys


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

        def load(self):
            from . import create_app

            return create_app()

    print(f"Serving on http://{host}:{port} (gunicorn, {workers} workers x {threads} threads)",
          file=sys.stderr)
    App().run()
