"""Several app nodes behind nginx, one PostgreSQL: the multi-node topology, run on 127.0.0.1.

    python bench/topology.py up [--nodes 2] [--port 8080]   # start it, print its address
    python bench/topology.py down                           # stop it

Each node is an `annotator serve` on its own port, as if on its own host; nginx (Debian's
package) balances them. They share one PostgreSQL database (a private schema of
ANNOTATOR_PG_URL) and one instance folder, which stands for the configuration a deployment
copies to every host: the same secret key (so a session cookie made by one node works on the
others) and `PROXY_FIX = 1` (the client's address comes from nginx's X-Forwarded-For).
Nothing else is shared: the sign-in limit and the session versions live in the database,
so no Redis is needed for them. `bench/cluster.py` drives annotators through it and kills a
node mid-run; docs/deploy.md describes it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ANNOTATOR_BIN, Database, Server, free_port  # noqa: E402

STATE = Path(os.environ.get("ANNOTATOR_CLUSTER_DIR", "/tmp/annotator-cluster"))
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)

NGINX_CONF = """\
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx-tmp/body;
    proxy_temp_path {work}/nginx-tmp/proxy;
    fastcgi_temp_path {work}/nginx-tmp/fastcgi;
    uwsgi_temp_path {work}/nginx-tmp/uwsgi;
    scgi_temp_path {work}/nginx-tmp/scgi;

    upstream annotator {{
{servers}
        keepalive 64;                    # keep-alive connections to the nodes,
        keepalive_timeout 1s;            # closed before gunicorn closes them (after 2 s idle)
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 16m;        # the app's MAX_CONTENT_LENGTH
        location / {{
            proxy_pass http://annotator;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A node that refuses or drops a connection: the request goes to the next one.
            # nginx never retries POST (non-idempotent); GET and the label PUT (idempotent by
            # design: the same label again changes nothing) are retried.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_buffering off;         # exports are streamed
        }}
    }}
}}
"""


def nginx_conf(work: Path, port: int, node_ports: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;"
                        for p in node_ports)
    return NGINX_CONF.format(work=work, port=port, servers=servers)


class Cluster:
    """`nodes` app nodes behind nginx on one PostgreSQL schema; start() and stop()."""

    def __init__(self, work: Path, nodes: int = 2, port: int | None = None,
                 serve_args: list[str] | None = None, env: dict | None = None):
        if NGINX is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self.work, self.n, self.port = Path(work), nodes, port or free_port()
        self.serve_args, self.env = serve_args or [], env or {}
        self.db: Database | None = None
        self.nodes: list[Server] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def instance(self) -> Path:
        return self.work / "instance"

    def start(self) -> "Cluster":
        self.work.mkdir(parents=True, exist_ok=True)
        (self.work / "nginx-tmp").mkdir(exist_ok=True)
        self.instance.mkdir(exist_ok=True)
        (self.instance / "config.py").write_text("PROXY_FIX = 1  # nginx in front\n")
        self.db = Database("postgresql", self.work)
        env = {**os.environ, "ANNOTATOR_DATABASE_URL": self.db.url,
               "ANNOTATOR_INSTANCE_PATH": str(self.instance), **self.env}
        # The schema and the secret key, made once, before any node starts.
        subprocess.run([ANNOTATOR_BIN, "init"], env=env, check=True, capture_output=True)
        for i in range(self.n):
            node = Server(self.db.url, self.instance, self.serve_args, env=self.env,
                          log=self.work / f"node{i + 1}.log")
            node.start()
            self.nodes.append(node)
        conf = self.work / "nginx.conf"
        conf.write_text(nginx_conf(self.work, self.port, [n.port for n in self.nodes]))
        subprocess.run([NGINX, "-p", str(self.work), "-e", str(self.work / "nginx-error.log"),
                        "-c", str(conf)], check=True, capture_output=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer on {self.url}; see {self.work}")
            time.sleep(0.05)

    def kill_node(self, i: int) -> None:
        """SIGKILL node i (master and workers): the host's power is cut."""
        self.nodes[i].kill()

    def stop(self) -> None:
        quit_nginx(self.work / "nginx.pid")
        for node in self.nodes:
            node.stop()
        if self.db is not None:
            self.db.drop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def quit_nginx(pid_file: Path) -> None:
    """Ask nginx to finish its requests and quit, and wait (5 s at most) for it to go."""
    if not pid_file.exists():
        return
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGQUIT)
    except (OSError, ValueError):
        return
    for _ in range(100):
        if not pid_file.exists():
            break
        time.sleep(0.05)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["up", "down"])
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--port", type=int, default=8080)
    args = ap.parse_args(argv)
    pids = STATE / "cluster.json"
    if args.action == "up":
        if pids.exists():
            print(f"already up (see {pids}); run `down` first", file=sys.stderr)
            return 1
        cluster = Cluster(STATE, args.nodes, args.port).start()
        pids.write_text(json.dumps({"nginx": str(STATE / "nginx.pid"), "schema": cluster.db.schema,
                                    "nodes": [n.proc.pid for n in cluster.nodes]}))
        print(f"{cluster.url}  ({args.nodes} nodes on ports "
              f"{', '.join(str(n.port) for n in cluster.nodes)}; PostgreSQL schema "
              f"{cluster.db.schema}; create an admin with ANNOTATOR_DATABASE_URL='{cluster.db.url}' "
              f"ANNOTATOR_INSTANCE_PATH={cluster.instance} annotator create-user NAME --role admin)")
        return 0
    if not pids.exists():
        print("not up", file=sys.stderr)
        return 1
    state = json.loads(pids.read_text())
    quit_nginx(Path(state["nginx"]))
    for pid in state["nodes"]:
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass
    Database("postgresql", STATE, schema=state["schema"]).drop()
    pids.unlink()
    print("down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
