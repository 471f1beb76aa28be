"""Shared pieces of the HTTP benchmarks (bench/loop.py, bench/load.py) and their test twins.

* ``HttpClient``: a small asyncio HTTP/1.1 keep-alive client (standard library only), so that
  the client costs the server's two cores as little as possible.
* ``Server``: runs ``annotator serve`` as a subprocess, times its start-up to the first 200 and
  reads its resident memory (master and workers) from /proc.
* ``make_corpus`` / ``make_users``: bulk set-up with SQLAlchemy Core and the real CLI commands.
* ``run_annotators``: simulated annotators, each running next -> label through the REST API.
* ``verify``: every acknowledged label stored exactly once, with the acknowledged label.
* ``write_section``: replaces one marked section of docs/benchmarks.md.
"""
from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOCS = ROOT / "docs" / "benchmarks.md"
LABELS = ("attributed_claim", "contested_framing", "neutral_fact")
ANNOTATOR_BIN = str(Path(sys.executable).with_name("annotator"))


# ---------------------------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------------------------
class HttpError(Exception):
    """The connection failed or closed before a whole response arrived."""


class HttpClient:
    """One keep-alive connection; requests on it run one after another (like one browser tab)."""

    def __init__(self, host: str, port: int, headers: dict | None = None, timeout: float = 60.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.headers = {"Host": f"{host}:{port}", **(headers or {})}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = False

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.used = False

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        """(status, body). JSON-encodes a dict/list body. Retries once, and only when a reused
        connection was closed by the server before a single byte of the answer came back."""
        if isinstance(body, (dict, list)):
            payload = json.dumps(body).encode()
        else:
            payload = body or b""
        head = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in self.headers.items()]
        if payload or method in ("PUT", "POST"):
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        for attempt in (0, 1):
            if self.writer is None:
                try:
                    await self._connect()
                except OSError as err:
                    raise HttpError(f"connect: {err}") from None
            reused = self.used
            got_bytes = [False]
            try:
                self.writer.write(raw)
                await self.writer.drain()
                async with asyncio.timeout(self.timeout):  # no task per request, as wait_for makes
                    return await self._read(got_bytes)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as err:
                self.close()
                if attempt == 0 and reused and not got_bytes[0] \
                        and not isinstance(err, asyncio.TimeoutError):
                    continue
                raise HttpError(f"{method} {path}: {type(err).__name__} {err}") from None
        raise AssertionError("unreachable")

    async def _read(self, got_bytes: list) -> tuple[int, bytes]:
        reader = self.reader
        head = await reader.readuntil(b"\r\n\r\n")
        got_bytes[0] = True
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        hdrs = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            data = b"".join(parts)
        elif "content-length" in hdrs:
            data = await reader.readexactly(int(hdrs["content-length"]))
        else:
            data = await reader.read()
            hdrs["connection"] = "close"
        if hdrs.get("connection", "").lower() == "close":
            self.close()
        else:
            self.used = True
        return status, data


# ---------------------------------------------------------------------------------------------
# The server under test
# ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


class Server:
    """`annotator serve` in a subprocess with its own database and instance directory."""

    def __init__(self, database_url: str, instance: Path, args: list[str] | None = None,
                 env: dict | None = None, log: Path | None = None):
        self.port = free_port()
        self.database_url, self.instance = database_url, Path(instance)
        self.args = args or []
        self.env = {**os.environ, "ANNOTATOR_DATABASE_URL": database_url,
                    "ANNOTATOR_INSTANCE_PATH": str(instance), **(env or {})}
        self.log = log or self.instance / "server.log"
        self.proc: subprocess.Popen | None = None
        self.startup = None

    def start(self, timeout: float = 30.0) -> float:
        """Start and wait for the first 200; returns the seconds that took."""
        self.instance.mkdir(parents=True, exist_ok=True)
        logfh = open(self.log, "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [ANNOTATOR_BIN, "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args],
            env=self.env, stdout=logfh, stderr=subprocess.STDOUT, start_new_session=True)
        logfh.close()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /api/v1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if time.perf_counter() - t0 > timeout:
                self.stop()
                raise RuntimeError(f"server did not answer within {timeout} s; see {self.log}")
            time.sleep(0.005)
        self.startup = time.perf_counter() - t0
        return self.startup

    def workers(self) -> list[int]:
        return _children(self.proc.pid) if self.proc else []

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its live workers."""
        if self.proc is None:
            return 0.0
        return _cpu_seconds(self.proc.pid) + sum(_cpu_seconds(p) for p in self.workers())

    def rss_mib(self) -> dict:
        """Resident memory: the master and each worker process (MiB)."""
        if self.proc is None:
            return {}
        workers = [_rss_kib(p) / 1024 for p in self.workers()]
        master = _rss_kib(self.proc.pid) / 1024
        return {"master": master, "workers": workers, "total": master + sum(workers)}

    def kill(self) -> None:
        """SIGKILL the whole process group (master and workers): a power cut for the server."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------------------------------------
# Data set-up
# ---------------------------------------------------------------------------------------------
_SUBJECTS = ["The ministry", "A spokesperson for the regional council", "Local officials",
             "The defence ministry", "Witnesses", "The opposition leader", "Analysts",
             "The central bank", "Residents of the village", "The United Nations envoy"]
_VERBS = ["said", "stressed", "claimed", "told reporters", "argued", "announced"]
_CONTENT = ["troops had been moved to the border", "talks would resume next week",
            "prices rose by 4 percent in March", "the regime had ignored the agreement",
            "the bridge would reopen on Monday", "provocations continued overnight",
            "the occupied district was shelled", "the election result would stand"]
_FACTS = ["The river crossing is 12 km long.", "The plant employs 2,400 people.",
          "Parliament has 150 seats.", "The border post opened in 2019.",
          "Forces liberated the village after days of fighting.",
          "The city lies 40 km north of the capital.", "Turnout was 61 percent."]


def sentence_text(rng: random.Random, i: int) -> str:
    r = rng.random()
    if r < 0.45:
        return (f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} on day {i % 28 + 1} that "
                f"{rng.choice(_CONTENT)}.")
    if r < 0.6:
        return f"According to {rng.choice(_SUBJECTS).lower()}, {rng.choice(_CONTENT)}."
    return rng.choice(_FACTS)


def make_corpus(engine, project_id: int, n_articles: int, per_article: int, seed: int = 1,
                start: int = 0) -> int:
    """Bulk-insert articles of `per_article` body sentences each (Core inserts, exact offsets)."""
    import hashlib

    from sqlalchemy import insert, select

    from annotator.db import refresh_statistics
    from annotator.models import Article, Sentence

    rng = random.Random(seed)
    done = 0
    with engine.begin() as conn:
        for a0 in range(0, n_articles, 500):
            batch = range(a0, min(a0 + 500, n_articles))
            texts, arts = {}, []
            for a in batch:
                sents = [sentence_text(rng, a * per_article + i) for i in range(per_article)]
                texts[a] = sents
                body = " ".join(sents)
                arts.append({"project_id": project_id, "external_id": f"bench-{start + a}",
                             "title": f"Report {start + a}", "text": body,
                             "text_hash": hashlib.sha256(f"{project_id}-{start + a}-{body}".encode()).hexdigest(),
                             "url": None, "source": "bench", "published": None, "topic": None})
            conn.execute(insert(Article), arts)
            ids = dict(conn.execute(select(Article.external_id, Article.id).where(
                Article.project_id == project_id,
                Article.external_id.in_([f"bench-{start + a}" for a in batch]))).all())
            rows = []
            for a in batch:
                pos = 0
                for i, s in enumerate(texts[a]):
                    rows.append({"article_id": ids[f"bench-{start + a}"], "project_id": project_id,
                                 "position": i, "start": pos, "end": pos + len(s), "text": s,
                                 "kind": "body", "n_labels": 0, "full": False})
                    pos += len(s) + 1
            conn.execute(insert(Sentence), rows)
            done += len(rows)
    with engine.connect() as conn:  # as an import does
        refresh_statistics(conn, {Article.__tablename__: n_articles, Sentence.__tablename__: done})
    return done


def cli(app, *args: str) -> str:
    """Run an `annotator` command in-process (the same click command as the console script)."""
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"annotator {' '.join(args)}: {result.output} {result.exception!r}")
    return result.stdout


PG_URL = os.environ.get("ANNOTATOR_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Database:
    """A throw-away database: a SQLite file, or a private schema on a PostgreSQL server."""

    def __init__(self, kind: str, tmp: Path, schema: str | None = None):
        """`schema`: a PostgreSQL schema made earlier (to drop it), instead of a new one."""
        self.kind, self.tmp = kind, tmp
        self.schema = None
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / 'annotator.db'}"
        else:
            from sqlalchemy import create_engine, text

            self.schema = schema or f"bench_{uuid.uuid4().hex[:10]}"
            self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            if schema is None:
                with self.admin.connect() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            sep = "&" if "?" in PG_URL else "?"
            self.url = f"{PG_URL}{sep}options=-csearch_path%3D{self.schema}"

    def drop(self) -> None:
        if self.schema:
            from sqlalchemy import text

            with self.admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self.admin.dispose()


def setup_app(database_url: str, instance: Path):
    from annotator import create_app

    Path(instance).mkdir(parents=True, exist_ok=True)
    return create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance)})


def make_users(app, names: list[str]) -> dict[str, str]:
    """Create annotators and give each a token with `annotator token NAME`."""
    tokens = {}
    for name in names:
        cli(app, "create-user", name, "--role", "annotator")
        tokens[name] = cli(app, "token", name).strip().splitlines()[-1]
    return tokens


# ---------------------------------------------------------------------------------------------
# Simulated annotators
# ---------------------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    cycles: list = field(default_factory=list)     # seconds per next + label
    requests: list = field(default_factory=list)   # seconds per request
    acked: dict = field(default_factory=dict)      # sentence id -> label acknowledged (2xx)
    statuses: dict = field(default_factory=dict)   # status -> count
    errors: list = field(default_factory=list)     # transport errors and 5xx bodies
    locked: int = 0                                # responses mentioning "database is locked"
    done: bool = False                             # the queue was empty
    retried: int = 0                               # cycles started again after a failed connection


def label_for(sentence_id: int, who: int) -> str:
    return LABELS[(sentence_id + who) % len(LABELS)]


async def annotate(host: str, port: int, token: str, slug: str, who: int, name: str,
                   count: int, deadline: float, result: Result | None = None,
                   stop: asyncio.Event | None = None, retries: int = 0) -> Result:
    """next -> label until `count` labels, an empty queue, `deadline` or `stop`. A failed
    connection ends it, unless `retries` allow starting the cycle again (as the annotate
    page retries a write): `next` then gives back the sentence still leased to this annotator."""
    res = result or Result(name)
    http = HttpClient(host, port, {"Authorization": f"Bearer {token}"})

    def note(status: int, body: bytes) -> None:
        res.statuses[status] = res.statuses.get(status, 0) + 1
        if b"database is locked" in body:
            res.locked += 1
        if status >= 500:
            res.errors.append(f"{status}: {body[:200]!r}")

    while True:
        try:
            await _cycles(http, res, slug, who, count, deadline, stop, note)
            break
        except HttpError as err:
            res.errors.append(str(err))
            if retries <= 0:
                break
            retries -= 1
            res.retried += 1
    http.close()
    return res


async def _cycles(http, res: Result, slug: str, who: int, count: int, deadline: float,
                  stop, note) -> None:
    """The annotator's next -> label cycles on one connection (HttpError when it fails)."""
    clock = time.perf_counter
    while len(res.acked) < count and clock() < deadline and not (stop and stop.is_set()):
        t0 = clock()
        status, body = await http.request("GET", f"/api/v1/projects/{slug}/next")
        t1 = clock()
        res.requests.append(t1 - t0)
        note(status, body)
        if status != 200:
            break
        sentence = json.loads(body)["sentence"]
        if sentence is None:
            res.done = True
            break
        sid = sentence["id"]
        label = label_for(sid, who)
        status, body = await http.request("PUT", f"/api/v1/sentences/{sid}/annotation",
                                          {"label": label, "seconds": 1.0})
        t2 = clock()
        res.requests.append(t2 - t1)
        note(status, body)
        if status in (200, 201):
            res.acked[sid] = label
            res.cycles.append(t2 - t0)
        elif status >= 500:
            continue
        else:
            res.errors.append(f"PUT {sid}: {status} {body[:200]!r}")
            break


async def run_annotators(host: str, port: int, tokens: dict[str, str], slug: str, count: int,
                         seconds: float, offset: int = 0) -> tuple[list[Result], float]:
    """Every annotator at once; returns their results and the wall time."""
    deadline = time.perf_counter() + seconds
    t0 = time.perf_counter()
    results = await asyncio.gather(*[
        annotate(host, port, tok, slug, offset + i, name, count, deadline)
        for i, (name, tok) in enumerate(tokens.items())])
    return list(results), time.perf_counter() - t0


def verify(engine, slug: str, results: list[Result]) -> list[str]:
    """Problems found: every acknowledged label stored exactly once, with its label; counts exact."""
    from sqlalchemy import func, select

    from annotator.models import Annotation, Project, Sentence, User

    problems = []
    with engine.connect() as conn:
        pid = conn.scalar(select(Project.id).where(Project.slug == slug))
        names = {r.name for r in results}
        uid = dict(conn.execute(select(User.username, User.id).where(User.username.in_(names))).all())
        stored = {}
        for sid, user_id, label in conn.execute(
                select(Annotation.sentence_id, Annotation.user_id, Annotation.label)
                .where(Annotation.project_id == pid)):
            stored.setdefault((sid, user_id), []).append(label)
        for r in results:
            for sid, label in r.acked.items():
                got = stored.get((sid, uid[r.name]))
                if got is None:
                    problems.append(f"{r.name}: acknowledged label on sentence {sid} is missing")
                elif len(got) != 1:
                    problems.append(f"{r.name}: sentence {sid} stored {len(got)} times")
                elif got[0] != label:
                    problems.append(f"{r.name}: sentence {sid} stored {got[0]}, acknowledged {label}")
        dupes = conn.execute(select(Annotation.sentence_id, Annotation.user_id, func.count())
                             .where(Annotation.project_id == pid)
                             .group_by(Annotation.sentence_id, Annotation.user_id)
                             .having(func.count() > 1)).all()
        problems += [f"duplicate annotation {d}" for d in dupes]
        counts = select(Annotation.sentence_id, func.count().label("n")).where(
            Annotation.project_id == pid).group_by(Annotation.sentence_id).subquery()
        bad = conn.execute(select(Sentence.id, Sentence.n_labels, func.coalesce(counts.c.n, 0))
                           .outerjoin(counts, counts.c.sentence_id == Sentence.id)
                           .where(Sentence.project_id == pid,
                                  Sentence.n_labels != func.coalesce(counts.c.n, 0))).all()
        problems += [f"sentence {b[0]}: n_labels {b[1]} but {b[2]} annotations" for b in bad]
        overlap = conn.scalar(select(Project.overlap).where(Project.id == pid))
        over = conn.scalar(select(func.count()).select_from(Sentence).where(
            Sentence.project_id == pid, Sentence.n_labels > overlap))
        if over:
            problems.append(f"{over} sentences have more than {overlap} labels")
    for r in results:
        problems += [f"{r.name}: {e}" for e in r.errors if e.startswith("5")]
        if r.locked:
            problems.append(f"{r.name}: {r.locked} responses said 'database is locked'")
    return problems


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def _cpu_times() -> tuple[int, int]:
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:]]
    return sum(parts), parts[3] + parts[4]  # total, idle + iowait


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores) since boot."""
    total, idle = _cpu_times()
    return (total - idle) / os.sysconf("SC_CLK_TCK")


def idle_share(seconds: float = 1.0) -> float:
    """Share of the machine's CPU time that was idle over the next `seconds`."""
    try:
        t0, i0 = _cpu_times()
        time.sleep(seconds)
        t1, i1 = _cpu_times()
    except OSError:
        return 1.0
    return (i1 - i0) / max(1, t1 - t0)


def wait_quiet(threshold: float = 0.85, max_wait: float = 300.0) -> float:
    """Wait (up to max_wait s) until other processes leave the CPUs idle; the idle share seen.
    Benchmarks on a shared machine are otherwise measuring someone else's test run."""
    deadline = time.monotonic() + max_wait
    while True:
        idle = idle_share(2.0)
        if idle >= threshold or time.monotonic() >= deadline:
            return idle


def machine() -> str:
    from importlib import metadata

    def v(pkg):
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "-"
    return (f"nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, "
            f"Flask {v('flask')}, SQLAlchemy {v('sqlalchemy')}, gunicorn {v('gunicorn')}, "
            f"SQLite {__import__('sqlite3').sqlite_version}; CPU reference {cpu_reference():.2f} s")


def cpu_reference() -> float:
    """Seconds one core takes for a fixed pure-Python loop (10 million additions; best of 3).

    Figures taken on different days are comparable only with this beside them: the "same"
    shared two-core machine measured 0.9 to 1.5 s within one session, and the figures here move with it."""
    def once() -> float:
        t0 = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        return time.perf_counter() - t0
    return min(once() for _ in range(3))


def write_section(name: str, text: str, path: Path = DOCS) -> None:
    """Replace the text between <!-- bench:NAME --> and <!-- /bench:NAME --> (append if absent)."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{text.strip()}\n{end}"
    if begin in doc and end in doc:
        head, rest = doc.split(begin, 1)
        _, tail = rest.split(end, 1)
        doc = head + block + tail
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")
