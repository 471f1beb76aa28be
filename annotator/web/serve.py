"""Production serving: gunicorn where it runs (POSIX), waitress elsewhere."""
from __future__ import annotations

import contextvars
import os
import shutil
import sys
import tempfile

from flask import Flask


def serve(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    """Serve `app`, made once in this process: the workers fork with it loaded (start-up is
    one app, not one per worker), and each drops the database connections it inherited
    (SQLAlchemy's rule for pools across fork), so no connection is shared by two processes."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # e.g. Windows: gunicorn needs fork()
        from waitress import serve as wserve

        print(f"Serving on http://{host}:{port} (waitress, {threads} threads)", file=sys.stderr)
        contextvars.Context().run(wserve, app, host=host, port=port,
                                  threads=max(threads * workers, 4))
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
            self.cfg.set("preload_app", True)
            self.cfg.set("post_fork", lambda _server, _worker: app.extensions[
                "annotator.engine"].dispose(close=False))
            if "control_socket_disable" in self.cfg.settings:
                # gunicorn 24+ listens on ~/.gunicorn/gunicorn.ctl for runtime commands; unused
                # here, and two servers on one host (a test cluster) would share that path.
                self.cfg.set("control_socket_disable", True)
            if os.path.isdir("/dev/shm"):
                # The worker heartbeat file is touched on every loop: keep it off the disk.
                self.cfg.set("worker_tmp_dir", "/dev/shm")

        def load(self):
            return app

    # Every worker counts its metrics in files of one fresh folder, which /metrics adds up
    # (prometheus_client's multiprocess mode; web/ops.py imports the library in the workers).
    own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if own_metrics_dir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="annotator-metrics-")
    print(f"Serving on http://{host}:{port} (gunicorn, {workers} workers x {threads} threads)",
          file=sys.stderr)
    # In a fresh context: the command runs inside an app context (Flask's CLI pushes one), and
    # a request that finds an app context active reuses it instead of pushing its own. A sync
    # worker serves in the thread that forked it, so every request would share one `g`, and
    # with it the signed-in user of the request before.
    try:
        contextvars.Context().run(App().run)
    finally:
        if own_metrics_dir:
            shutil.rmtree(os.environ.pop("PROMETHEUS_MULTIPROC_DIR"), ignore_errors=True)
