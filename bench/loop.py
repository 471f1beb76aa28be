"""The annotate loop as browsers and scripts drive it, against a real `annotator serve` (issue 15).

    python bench/loop.py [--sentences 2000] [--labels 300] [--seconds 20] [--runs 1] [--peers]
                         [--no-write]

The client is the one the peer harness (../shared/peers) drives Potato and Label Studio with:
a thread pool of `requests` sessions in this process, one per annotator, on the same two cores
as the server. Two paths:

  browser  what annotate.js sends: sign in through the form, cookie session, the CSRF token
           from the annotate page in the X-CSRFToken header, `GET next?ahead=3`, `PUT` the label
  token    a script: `Authorization: Bearer TOKEN`, `GET next`, `PUT` the label

A fresh SQLite database (`annotator init`, articles of 20 body sentences bulk-inserted), then
`annotator serve` with its defaults on 127.0.0.1:

1. start-up: seconds from launching the command to the first 200; resident memory when idle;
2. each path with one annotator, then eight at once (each its own project of overlap 8, so
   the eight label the same sentences), every loop bounded by a label count and a deadline;
3. during the eight-annotator browser run, an admin creates users, tokens and projects and
   edits a project in a loop (API and the admin's edit form): no 5xx, no "database is locked";
4. every acknowledged label is checked to be stored exactly once, with the label sent.

With --peers, Potato and Label Studio run right after, one at a time, through the peer
harness in ../shared/peers (the same client; its venvs from `setup_venvs.sh` under
/tmp/peers), and their figures stand in the same table.

Figures go to docs/benchmarks.md between <!-- bench:loop --> and <!-- /bench:loop -->.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Database, Server, cli, machine, make_corpus, pct, setup_app, write_section  # noqa: E402

GOALS = {"browser_one": 300, "browser_eight": 500, "eight_p99": 0.050, "startup": 1.0, "rss": 100}
LABELS = ("attributed_claim", "contested_framing", "neutral_fact")
CSRF_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_PAGE = re.compile(r'data-csrf="([^"]+)"')


def label_for(user: str, sid: int) -> str:
    return LABELS[(sid * 7 + sum(map(ord, user))) % 3]


class Annotator:
    """One annotator with one keep-alive `requests` session, like one browser tab."""

    def __init__(self, base: str, slug: str, user: str, password: str, token: str, path: str):
        self.base, self.slug, self.user, self.path = base, slug, user, path
        self.password, self.token = password, token
        self.s = requests.Session()
        self.acked: list[tuple[int, str]] = []
        self.cycles: list[float] = []
        self.requests: list[float] = []
        self.statuses: dict[int, int] = {}

    def sign_in(self) -> None:
        if self.path == "token":
            self.s.headers["Authorization"] = f"Bearer {self.token}"
            return
        form = CSRF_FORM.search(self.s.get(f"{self.base}/login").text)[1]
        resp = self.s.post(f"{self.base}/login", data={"csrf_token": form, "username": self.user,
                                                       "password": self.password})
        resp.raise_for_status()
        page = self.s.get(f"{self.base}/projects/{self.slug}/annotate").text
        self.s.headers.update({"X-CSRFToken": CSRF_PAGE.search(page)[1],
                               "Accept": "application/json"})

    def _note(self, resp: requests.Response, t0: float) -> None:
        self.requests.append(time.perf_counter() - t0)
        self.statuses[resp.status_code] = self.statuses.get(resp.status_code, 0) + 1

    def cycle(self) -> bool:
        """One next -> label; False when nothing is left."""
        t0 = time.perf_counter()
        query = "?ahead=3" if self.path == "browser" else ""
        resp = self.s.get(f"{self.base}/api/v1/projects/{self.slug}/next{query}")
        self._note(resp, t0)
        if resp.status_code != 200:
            return True
        body = resp.json()
        if body["sentence"] is None:
            return False
        sid = body["sentence"]["id"]
        label = label_for(self.user, sid)
        t1 = time.perf_counter()
        resp = self.s.put(f"{self.base}/api/v1/sentences/{sid}/annotation",
                          json={"label": label, "seconds": 1.5})
        self._note(resp, t1)
        if resp.status_code in (200, 201):
            self.acked.append((sid, label))
            self.cycles.append(time.perf_counter() - t0)
        return True


def run_level(base: str, slug: str, people: list[tuple[str, str, str]], path: str, labels: int,
              seconds: float) -> dict:
    """`people` annotators at once, each up to `labels` labels within `seconds`."""
    annotators = [Annotator(base, slug, u, pw, tok, path) for u, pw, tok in people]
    barrier = threading.Barrier(len(annotators))
    times = {}

    def work(a: Annotator) -> None:
        a.sign_in()
        barrier.wait(timeout=120)
        times.setdefault("start", time.perf_counter())
        deadline = times["start"] + seconds
        for _ in range(labels):
            if time.perf_counter() > deadline or not a.cycle():
                break
        times[a.user] = time.perf_counter()

    with ThreadPoolExecutor(len(annotators)) as pool:
        list(pool.map(work, annotators))
    wall = max(times[a.user] for a in annotators) - times["start"]
    cycles = [c for a in annotators for c in a.cycles]
    reqs = [r for a in annotators for r in a.requests]
    statuses: dict[int, int] = {}
    for a in annotators:
        for k, v in a.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    return {"path": path, "n": len(annotators), "labels": len(cycles), "wall": wall,
            "rate": len(cycles) / wall if wall else 0.0,
            "p50": pct(cycles, 50), "p95": pct(cycles, 95), "p99": pct(cycles, 99),
            "req_p99": pct(reqs, 99), "statuses": statuses,
            "acked": [(a.user, sid, lab) for a in annotators for sid, lab in a.acked]}


class AdminLoop(threading.Thread):
    """An admin at work while annotators label: creates users (with tokens) and projects through
    the API, and edits a project through the admin's form, until stopped."""

    def __init__(self, base: str, token: str, password: str):
        super().__init__(daemon=True)
        self.base, self.token, self.password = base, token, password
        self.stop = threading.Event()
        self.statuses: dict[int, int] = {}
        self.done = 0

    def _note(self, resp) -> None:
        self.statuses[resp.status_code] = self.statuses.get(resp.status_code, 0) + 1

    def run(self) -> None:
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {self.token}"
        page = requests.Session()
        form = CSRF_FORM.search(page.get(f"{self.base}/login").text)[1]
        page.post(f"{self.base}/login", data={"csrf_token": form, "username": "boss",
                                             "password": self.password})
        i = 0
        while not self.stop.is_set() and i < 2000:
            i += 1
            self._note(api.post(f"{self.base}/api/v1/users",
                                json={"username": f"extra{i}", "token": True}))
            self._note(api.post(f"{self.base}/api/v1/projects",
                                json={"slug": f"side-{i}", "name": f"Side {i}"}))
            edit = f"{self.base}/admin/projects/side-{i}/edit"
            csrf = CSRF_FORM.search(page.get(edit).text)[1]
            self._note(page.post(edit, data={
                "csrf_token": csrf, "slug": f"side-{i}", "name": f"Side {i}, edited", "overlap": 3,
                "guidelines": "Label each sentence.", "labels": json.dumps(
                    [{"id": l, "name": l, "key": str(k + 1)} for k, l in enumerate(LABELS)]),
                "settings": "{}", "members": ""}))
            self.done += 1


def _user(app, name: str, role: str = "annotator") -> tuple[str, str, str]:
    password = f"pw-{name}-bench"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", name, "--role", role, "--password-stdin"],
                           input=password + "\n")
    assert result.exit_code == 0, result.output
    token = cli(app, "token", name).strip().splitlines()[-1]
    return name, password, token


def _project_id(app, slug: str) -> int:
    from sqlalchemy import select

    from annotator.models import Project

    with app.extensions["annotator.sessionmaker"]() as s:
        return s.scalar(select(Project.id).where(Project.slug == slug))


def verify(engine, acked: list[tuple[str, int, str]]) -> list[str]:
    """Every acknowledged label is stored once, with the label that was sent."""
    from sqlalchemy import select

    from annotator.models import Annotation, User

    with engine.connect() as conn:
        stored = {(u, sid): lab for u, sid, lab in conn.execute(
            select(User.username, Annotation.sentence_id, Annotation.label)
            .join(User, User.id == Annotation.user_id))}
    problems = [f"{u} {sid}: stored {stored.get((u, sid))!r}, acknowledged {lab!r}"
                for u, sid, lab in acked if stored.get((u, sid)) != lab]
    if len(set((u, s) for u, s, _ in acked)) != len(acked):
        problems.append("a sentence was acknowledged twice to one annotator")
    return problems


def measure(args, kind: str = "sqlite") -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="annotator-loop-"))
    database = Database(kind, tmp)
    try:
        return _measure(args, tmp, database.url)
    finally:
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)


def _measure(args, tmp: Path, url: str) -> dict:
    instance = tmp / "instance"
    app = setup_app(url, instance)
    cli(app, "init")
    engine = app.extensions["annotator.engine"]
    levels = [("browser", 1), ("browser", 8), ("token", 1), ("token", 8)]
    people = {}
    for path, n in levels:
        slug = f"{path}{n}"
        cli(app, "create-project", slug, "--overlap", "8")
        make_corpus(engine, _project_id(app, slug), args.sentences // 20, 20, start=len(people) * 10**5)
        people[(path, n)] = [_user(app, f"{path}{n}-{i}") for i in range(n)]
    _, boss_pw, boss_token = _user(app, "boss", "admin")
    engine.dispose()

    server = Server(url, instance, args=args.serve_args.split() if args.serve_args else None)
    startup = server.start()
    time.sleep(1.0)
    idle = server.rss_mib()
    base = f"http://127.0.0.1:{server.port}"
    out = {"startup": startup, "idle_worker": max(idle["workers"] or [0]),
           "idle_master": idle["master"], "levels": {}}
    try:
        for path, n in levels:
            admin = None
            if (path, n) == ("browser", 8):
                admin = AdminLoop(base, boss_token, boss_pw)
                admin.start()
            cpu0, own0 = server.cpu_seconds(), time.process_time()
            level = run_level(base, f"{path}{n}", people[(path, n)], path, args.labels, args.seconds)
            level["cpu"] = (server.cpu_seconds() - cpu0) / max(1, level["labels"])
            # The client's own CPU (this process: the annotators' threads, and the admin's).
            level["client_cpu"] = (time.process_time() - own0) / max(1, level["labels"])
            if admin is not None:
                admin.stop.set()
                admin.join(timeout=60)
                level["admin"] = {"rounds": admin.done, "statuses": admin.statuses}
            out["levels"][f"{path}:{n}"] = level
            print(f"{path} x{n}: {level['rate']:.0f} labels/s, cycle p50 {level['p50'] * 1000:.1f} "
                  f"ms p99 {level['p99'] * 1000:.1f} ms, statuses {level['statuses']}"
                  + (f", admin {level['admin']}" if admin else ""), flush=True)
        out["after_worker"] = max(server.rss_mib()["workers"] or [0])
    finally:
        server.stop()
    log = (instance / "server.log").read_text(errors="replace")
    out["locked"] = log.count("database is locked")
    out["tracebacks"] = log.count("Traceback")
    out["problems"] = verify(engine, [a for lv in out["levels"].values() for a in lv.pop("acked")])
    engine.dispose()
    return out


PEERS = Path(__file__).resolve().parents[2] / "shared" / "peers"
PEER_VENVS = Path(os.environ.get("PEERS_ROOT", "/tmp/peers"))


def run_peers(labels: int, seconds: float) -> dict[str, dict]:
    """Potato and Label Studio through the peer harness, one after the other: {name: result}."""
    out = {}
    for name, script, venv in (("Potato", "bench_potato.py", "potato-venv"),
                               ("Label Studio", "bench_labelstudio.py", "ls-venv")):
        python = PEER_VENVS / venv / "bin" / "python"
        if not python.exists() or not (PEERS / script).exists():
            print(f"{name}: no harness or venv ({PEERS}, {python}); skipped", file=sys.stderr)
            continue
        result = Path(tempfile.mkdtemp(prefix="peer-")) / "result.json"
        subprocess.run([str(python), script, "--levels", "1,8", "--labels-per-user", str(labels),
                        "--max-seconds", str(seconds), "--out", str(result),
                        "--workdir", str(PEER_VENVS / f"run-{venv}")],
                       cwd=PEERS, timeout=1800, check=False, stdout=subprocess.DEVNULL)
        if result.exists():
            out[name] = json.loads(result.read_text())
            print(f"{name}: " + ", ".join(f"x{k} {v.get('labels_per_s')}/s" for k, v in
                                          out[name].get("levels", {}).items()), flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=2000, help="sentences per project")
    ap.add_argument("--labels", type=int, default=300, help="labels per annotator and level")
    ap.add_argument("--seconds", type=float, default=20, help="deadline of each level")
    ap.add_argument("--runs", type=int, default=1, help="whole runs; the table shows medians")
    ap.add_argument("--postgresql", action="store_true",
                    help="also the same levels on PostgreSQL (ANNOTATOR_PG_URL, a private schema)")
    ap.add_argument("--peers", action="store_true", help="also Potato and Label Studio (../shared/peers)")
    ap.add_argument("--serve-args", default="", help="extra `annotator serve` options (default: none)")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args(argv)
    runs = [measure(args) for _ in range(args.runs)]
    pg = [measure(args, "postgresql") for _ in range(args.runs)] if args.postgresql else []
    peers = run_peers(args.labels, args.seconds) if args.peers else {}

    def med(get):
        return statistics.median(get(r) for r in runs)

    def lv(key, field):
        return med(lambda r: r["levels"][key][field])

    def ok(good: bool) -> str:
        return "met" if good else "**missed**"

    rows = []
    for key, goal in (("browser:1", GOALS["browser_one"]), ("browser:8", GOALS["browser_eight"]),
                      ("token:1", None), ("token:8", None)):
        path, n = key.split(":")
        who = "one annotator" if n == "1" else "eight annotators"
        rows.append((f"{path} path, {who}: labels/s", f"{lv(key, 'rate'):,.0f}",
                     f">= {goal}: {ok(lv(key, 'rate') >= goal)}" if goal else ""))
        p99_goal = key == "browser:8"
        rows.append((f"{path} path, {who}: cycle p50 / p95 / p99",
                     f"{lv(key, 'p50') * 1000:.1f} / {lv(key, 'p95') * 1000:.1f} / {lv(key, 'p99') * 1000:.1f} ms",
                     f"p99 < 50 ms: {ok(lv(key, 'p99') < GOALS['eight_p99'])}" if p99_goal else ""))
        rows.append((f"{path} path, {who}: CPU per label, server / client",
                     f"{lv(key, 'cpu') * 1000:.2f} / {lv(key, 'client_cpu') * 1000:.2f} ms",
                     "user + system; two cores give 2,000 ms a second"))
    for key in ("browser:1", "browser:8", "token:1", "token:8") if pg else ():
        path, n = key.split(":")
        who = "one annotator" if n == "1" else "eight annotators"

        def pgv(field, key=key):
            return statistics.median(r["levels"][key][field] for r in pg)

        rows.append((f"PostgreSQL, {path} path, {who}: labels/s; cycle p50 / p95 / p99",
                     f"{pgv('rate'):,.0f}; {pgv('p50') * 1000:.1f} / {pgv('p95') * 1000:.1f} / "
                     f"{pgv('p99') * 1000:.1f} ms", "the same run on PostgreSQL"))
    for name, result in peers.items():
        version = str(result.get("version") or "").split()[0]
        for level, who in (("1", "one annotator"), ("8", "eight annotators")):
            got = result.get("levels", {}).get(level)
            if got:
                cycle = got.get("cycle", {})
                rows.append((f"{name} {version}, {who}: labels/s; cycle p50 / p99",
                             f"{got.get('labels_per_s')}; {cycle.get('p50_ms')} / {cycle.get('p99_ms')} ms",
                             "the same client, right after"))
    startup, rss = med(lambda r: r["startup"]), med(lambda r: r["idle_worker"])
    rows += [("start-up to first 200", f"{startup:.2f} s", f"< 1 s: {ok(startup < GOALS['startup'])}"),
             ("RSS idle: master / largest worker",
              f"{med(lambda r: r['idle_master']):.0f} / {rss:.0f} MiB",
              f"< 100 MiB: {ok(rss < GOALS['rss'])}"),
             ("RSS after the runs, largest worker", f"{med(lambda r: r['after_worker']):.0f} MiB", "")]
    fivexx = sum(v for r in runs + pg for lvl in r["levels"].values()
                 for k, v in list(lvl["statuses"].items()) + list(lvl.get("admin", {}).get("statuses", {}).items())
                 if k >= 500)
    admin = runs[-1]["levels"]["browser:8"]["admin"]
    locked = sum(r["locked"] for r in runs)
    problems = [p for r in runs + pg for p in r["problems"]]
    text = "\n".join([
        "## Annotate loop as browsers and scripts drive it (SQLite, `annotator serve`)",
        "",
        f"`python bench/loop.py` — {_dt.date.today().isoformat()}; {machine()}.",
        "",
        f"`annotator serve` with its defaults on 127.0.0.1, a fresh SQLite database, "
        f"{args.sentences:,} sentences per level (overlap 8). The client is the peer harness's: "
        f"a thread pool of `requests` sessions on the same two cores. Browser path: sign-in form, "
        f"cookie session, X-CSRFToken, `GET next?ahead=3`, `PUT` the label. Token path: bearer "
        f"token, `GET next`, `PUT`. Each annotator labels up to {args.labels} sentences within "
        f"{args.seconds:.0f} s. During the eight-annotator browser run an admin created users, "
        f"tokens and projects and edited projects in a loop ({admin['rounds']} rounds, statuses "
        f"{dict(sorted(admin['statuses'].items()))}). {len(runs)} run(s): medians.",
        "",
        "| measurement | value | goal |",
        "| --- | ---: | --- |",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        f"HTTP 5xx: {fivexx}; \"database is locked\" in the server log: {locked}; every "
        f"acknowledged label stored exactly once: "
        f"{'yes' if not problems else 'NO: ' + '; '.join(problems[:5])}.",
    ])
    print(text)
    if not args.no_write:
        write_section("loop", text)
    return 1 if problems or fivexx or locked else 0


if __name__ == "__main__":
    sys.exit(main())
