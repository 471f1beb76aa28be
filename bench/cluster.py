"""Many annotators through nginx and two app nodes on one PostgreSQL; one node killed mid-run.

    python bench/cluster.py [--annotators 64] [--labels 40] [--seconds 60] [--nodes 2]
                            [--kill-after 5] [--no-write]

The topology is bench/topology.py's (each node `annotator serve` with its defaults). Steps:

1. Sessions across nodes: sign in on node 1 with the form; the cookie works on node 2.
2. The sign-in limit across nodes: wrong passwords for one account, sent to the nodes in
   turn, are refused (429) after LOGIN_FAILURES_PER_ACCOUNT failures in all, not per node.
3. Load: `--annotators` simulated annotators (each with its own token and keep-alive
   connection to nginx) run GET /next -> PUT /annotation, `--labels` each, overlap 2. After
   `--kill-after` seconds node 2 is killed (SIGKILL, master and workers); they carry on
   through node 1.
4. Checks: every label acknowledged with a 2xx is stored exactly once with its label, no
   sentence has more labels than the overlap, no HTTP 5xx reached an annotator, labels were
   acknowledged after the kill.

It stops by itself (`--seconds`) and sends traffic to 127.0.0.1 only. Figures go to
docs/benchmarks.md between <!-- bench:cluster --> and <!-- /bench:cluster -->.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (Result, annotate, cli, machine, make_corpus, make_users, ms, pct,  # noqa: E402
                    setup_app, verify, write_section)
from topology import NGINX, Cluster  # noqa: E402

from annotator.models import Annotation, Project, utcnow  # noqa: E402

PER_ACCOUNT = 10  # the default LOGIN_FAILURES_PER_ACCOUNT


def _csrf(session: requests.Session, base: str) -> str:
    page = session.get(base + "/login", timeout=10).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def sessions_cross_nodes(cluster: Cluster, username: str, password: str) -> bool:
    """Signed in on node 1, the same cookie is signed in on node 2."""
    one, two = (f"http://127.0.0.1:{n.port}" for n in cluster.nodes[:2])
    s = requests.Session()
    s.post(one + "/login", data={"username": username, "password": password,
                                 "csrf_token": _csrf(s, one)}, allow_redirects=False, timeout=10)
    cookie = s.cookies.get("session")
    resp = requests.get(two + "/account/session", cookies={"session": cookie},
                        allow_redirects=False, timeout=10)
    return resp.status_code == 200


def sign_in_limit_across_nodes(cluster: Cluster, username: str) -> list[int]:
    """Wrong passwords to the nodes in turn, from one client address: the statuses."""
    statuses = []
    for i in range(PER_ACCOUNT + 2):
        base = f"http://127.0.0.1:{cluster.nodes[i % len(cluster.nodes)].port}"
        s = requests.Session()
        headers = {"X-Forwarded-For": "198.51.100.7"}  # as nginx would pass it on
        token = _csrf(s, base)
        statuses.append(s.post(base + "/login", data={"username": username, "password": "not-it-at-all",
                                                      "csrf_token": token},
                               headers=headers, allow_redirects=False, timeout=10).status_code)
    return statuses


async def _load(cluster: Cluster, tokens: dict[str, str], slug: str, labels: int, seconds: float,
                kill_after: float | None) -> tuple[list[Result], float, object]:
    deadline = time.perf_counter() + seconds
    t0 = time.perf_counter()
    killed_at: list = []  # UTC, as the database stores times

    async def killer():
        await asyncio.sleep(kill_after)
        killed_at.append(utcnow())
        await asyncio.to_thread(cluster.kill_node, len(cluster.nodes) - 1)

    task = asyncio.create_task(killer()) if kill_after is not None else None
    results = await asyncio.gather(*[
        annotate("127.0.0.1", cluster.port, tok, slug, i, name, labels, deadline, Result(name),
                 retries=3)
        for i, (name, tok) in enumerate(tokens.items())])
    wall = time.perf_counter() - t0
    if task is not None and not task.done():
        task.cancel()
    return list(results), wall, killed_at[0] if killed_at else None


def run(args, work: Path) -> dict:
    with Cluster(work, args.nodes) as cluster:
        app = setup_app(cluster.db.url, cluster.instance)
        engine = app.extensions["annotator.engine"]
        cli(app, "create-project", "cluster", "--overlap", "2")
        with engine.connect() as conn:
            pid = conn.scalar(select(Project.id).where(Project.slug == "cluster"))
        per_article = 20
        articles = max(10, args.annotators * args.labels // 2 // per_article + 10)
        make_corpus(engine, pid, articles, per_article)
        tokens = make_users(app, [f"c{i:02d}" for i in range(args.annotators)])
        cli(app, "create-user", "target", "--role", "annotator")
        password = "cluster-pass-1"
        runner = app.test_cli_runner()
        runner.invoke(args=["create-user", "weblogin", "--role", "annotator", "--password-stdin"],
                      input=password + "\n")
        cross = sessions_cross_nodes(cluster, "weblogin", password)
        limit = sign_in_limit_across_nodes(cluster, "target")
        started = utcnow()
        results, wall, killed = asyncio.run(
            _load(cluster, tokens, "cluster", args.labels, args.seconds,
                  None if args.no_kill else args.kill_after))
        problems = verify(engine, "cluster", results)
        after_kill = None
        if killed is not None:
            with engine.connect() as conn:
                after_kill = conn.scalar(select(func.count()).select_from(Annotation).where(
                    Annotation.project_id == pid, Annotation.created_at > killed))
        engine.dispose()
    acked = [len(r.acked) for r in results]
    cycles = [c for r in results for c in r.cycles]
    statuses: dict[int, int] = {}
    for r in results:
        for k, v in r.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    return {"cross": cross, "limit": limit, "problems": problems, "wall": wall,
            "killed": None if killed is None else (killed - started).total_seconds(),
            "acked": sum(acked), "cycles": cycles, "statuses": statuses,
            "errors": [e for r in results for e in r.errors], "after_kill": after_kill,
            "retried": sum(r.retried for r in results)}


def report(args, res: dict) -> str:
    n = len(res["cycles"])
    five = sum(v for k, v in res["statuses"].items() if k >= 500)
    limit_ok = res["limit"][:PER_ACCOUNT] == [401] * PER_ACCOUNT and all(
        s == 429 for s in res["limit"][PER_ACCOUNT:])
    lines = [
        "## Two app nodes behind nginx, one PostgreSQL, a node killed mid-run (`bench/cluster.py`)",
        "",
        f"`python bench/cluster.py --annotators {args.annotators} --labels {args.labels}` — "
        f"{_dt.date.today().isoformat()}; {machine()}; nginx {_nginx_version()}.",
        "",
        f"bench/topology.py: {args.nodes} `annotator serve` nodes (defaults: 2 workers x 4 threads "
        "each) on their own ports behind nginx (round robin, keep-alive upstream, "
        "`proxy_next_upstream error timeout`), one PostgreSQL schema, one instance folder (the same "
        f"secret key; `PROXY_FIX = 1`). {args.annotators} simulated annotators, each with its own "
        f"token and keep-alive connection to nginx, run next -> label, {args.labels} labels each, "
        "overlap 2."
        + ("" if res["killed"] is None else f" Node {args.nodes} was killed (SIGKILL, master "
           f"and workers) {res['killed']:.1f} s into the run."),
        "",
        "| check | result |",
        "| --- | --- |",
        f"| a session cookie from node 1 signed in on node 2 | {'yes' if res['cross'] else '**no**'} |",
        f"| wrong passwords for one account, to the nodes in turn: statuses | "
        f"{', '.join(map(str, res['limit']))} ({'refused after ' + str(PER_ACCOUNT) + ' in all: met' if limit_ok else '**not as configured**'}) |",
        f"| labels acknowledged | {res['acked']:,} in {res['wall']:.1f} s ({n / res['wall']:.0f} labels/s) |",
        f"| cycle p50 / p95 / p99 | {ms(pct(res['cycles'], 50))} / {ms(pct(res['cycles'], 95))} / {ms(pct(res['cycles'], 99))} |",
        f"| labels acknowledged after the kill | {res['after_kill'] if res['after_kill'] is not None else '-'} |",
        f"| HTTP 5xx seen by annotators | {five} |",
        f"| connections to nginx that failed (the annotator started the cycle again, as the page "
        f"retries) | {res['retried']} |",
        f"| every acknowledged label stored exactly once, none beyond the overlap | "
        f"{'yes' if not res['problems'] else '**no**: ' + '; '.join(res['problems'][:3])} |",
        "",
        f"Statuses: {dict(sorted(res['statuses'].items()))}.",
    ]
    return "\n".join(lines)


def _nginx_version() -> str:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr
    return out.strip().rsplit("/", 1)[-1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--annotators", type=int, default=64)
    ap.add_argument("--labels", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--kill-after", type=float, default=5.0)
    ap.add_argument("--no-kill", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--work", help="keep the nodes' and nginx's logs in this folder")
    args = ap.parse_args(argv)
    if args.work:
        res = run(args, Path(args.work))
    else:
        with tempfile.TemporaryDirectory(prefix="annotator-cluster-") as tmp:
            res = run(args, Path(tmp))
    text = report(args, res)
    print(text)
    for err in res["errors"][:5]:
        print("error:", err[:300], file=sys.stderr)
    if not args.no_write:
        write_section("cluster", text)
    bad = res["problems"] or any(k >= 500 for k in res["statuses"]) or not res["cross"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
