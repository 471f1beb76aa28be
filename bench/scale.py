"""Reviewer pages at scale (issue 21 item 3).

    nice -n 10 python bench/scale.py [--db pg|sqlite] [--sentences N] [--labels N] [--no-write]

Builds a throw-away project (a private PostgreSQL schema, or a SQLite file; dropped at the end)
of N sentences (20 a article) and N labels by 10 annotators (labels / sentences of them per
labelled sentence, about one in four of those disputed), with PostgreSQL's COPY (SQLite:
executemany), then measures through the real HTTP path (the Flask test client, signed in as an
admin; the export through the API with a token):

- the dashboard (JSON twin): the first view after a change (computed from all rows) and the
  next views (kept per project data version, review/versioned.py);
- the disagreement queue: first page and a later page, first and next views;
- the admin project page (article list, first and a later page), a unit page, progress;
- the annotations export (JSONL) streamed: wall time, and this process's RSS after 10% and
  after 100% of the rows.

The rows are copied in, not written through labelling.save, so the event log stays empty: the
data version probe is then one index lookup, as it is on a log of any length (see its EXPLAIN).

Defaults are the issue's sizes: PostgreSQL 1,000,000 sentences and 5,000,000 labels; SQLite
20,000 sentences and 100,000 labels. Figures go to docs/benchmarks.md between
<!-- bench:scale_pg --> / <!-- bench:scale_sqlite --> and their closing marks, with EXPLAIN
plans of the hot queries on PostgreSQL.
"""
from __future__ import annotations

import argparse
import logging
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Database, machine, write_section  # noqa: E402

PER_ARTICLE, ANNOTATORS = 20, 10
LABELS = ["attributed_claim", "contested_framing", "neutral_fact"]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rows(n_sentences: int, n_labels: int, project_id: int, user_ids: list[int], seed: int = 7):
    """(articles, sentences, annotations) row generators with explicit ids from 1."""
    rng = random.Random(seed)
    per = max(1, min(ANNOTATORS, n_labels // n_sentences or 1))
    labelled = min(n_sentences, n_labels // per)
    t0 = datetime(2026, 1, 1)

    def articles():
        for a in range((n_sentences + PER_ARTICLE - 1) // PER_ARTICLE):
            yield (a + 1, project_id, f"scale-{a}", f"Report {a}", "text", f"h{a:062d}",
                   f"outlet-{a % 40}", "en", t0)

    def sentences():
        for i in range(n_sentences):
            text = f"Sentence {i} says that officials reported figure {i % 977}."
            n = per if i < labelled else 0
            yield (i + 1, i // PER_ARTICLE + 1, project_id, i % PER_ARTICLE, 0, len(text), text,
                   "body", n, n >= per, False, 0)

    def annotations():
        aid = 0
        for i in range(labelled):
            base = rng.randrange(3)
            disputed = rng.random() < 0.25
            start = rng.randrange(ANNOTATORS)
            for j in range(per):
                lab = rng.randrange(3) if disputed and j >= per // 2 else base
                aid += 1
                at = t0 + timedelta(seconds=i * 3 + j)
                yield (aid, i + 1, user_ids[(start + j) % ANNOTATORS], project_id, LABELS[lab],
                       "[]", None, round(rng.uniform(2, 30), 1), at, at)
    return articles(), sentences(), annotations(), per


_COLS = {
    "articles": "id, project_id, external_id, title, text, text_hash, source, lang, created_at",
    "sentences": 'id, article_id, project_id, position, start, "end", text, kind, n_labels, "full", "long", queue_pos',
    "annotations": "id, sentence_id, user_id, project_id, label, spans, comment, seconds, created_at, updated_at",
}


def build(engine, n_sentences: int, n_labels: int) -> dict:
    """The project, its annotators and an admin; then the rows, by COPY on PostgreSQL."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from annotator import projects, users

    with Session(engine) as s:
        project = projects.create_project(s, "scale", "Scale", overlap=2)
        ids = [users.create_user(s, f"ann{i:02d}", "annotator", None).id for i in range(ANNOTATORS)]
        users.create_user(s, "boss", "admin", "password123")
        boss = users.by_name(s, "boss")
        _, token = users.create_token(s, boss, "bench")
        s.commit()
        pid = project.id
    arts, sents, anns, per = _rows(n_sentences, n_labels, pid, ids)
    with Session(engine) as s:
        s.execute(text("UPDATE projects SET overlap = :k WHERE id = :p"), {"k": per, "p": pid})
        s.commit()
    t = time.perf_counter()
    counts = {}
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            for table, gen in (("articles", arts), ("sentences", sents), ("annotations", anns)):
                n = 0
                with cur.copy(f"COPY {table} ({_COLS[table]}) FROM STDIN") as copy:
                    for row in gen:
                        copy.write_row(row)
                        n += 1
                counts[table] = n
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
            raw.commit()
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            for table, gen in (("articles", arts), ("sentences", sents), ("annotations", anns)):
                cols = _COLS[table]
                marks = ", ".join("?" * len(cols.split(",")))
                batch, n = [], 0
                for row in gen:
                    batch.append(row)
                    if len(batch) == 10_000:
                        conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
                        n += len(batch)
                        batch = []
                if batch:
                    conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
                    n += len(batch)
                counts[table] = n
            conn.exec_driver_sql("ANALYZE")
    return {"pid": pid, "token": token, "seconds": time.perf_counter() - t, **counts}


def timed(client, url: str, headers=None, repeat: int = 3) -> tuple[float, list[float], float]:
    """(first view, next views, seconds until the figures were ready) in seconds. A first
    view may answer "being computed" (review/versioned.FIRST_VIEW_SECONDS) while a thread
    computes; the next views are timed once it has finished."""
    from annotator.review import versioned

    out = []
    t0 = time.perf_counter()
    ready = 0.0
    for i in range(1 + repeat):
        t = time.perf_counter()
        resp = client.get(url, headers=headers or {})
        resp.get_data()
        out.append(time.perf_counter() - t)
        if resp.status_code >= 400:
            raise SystemExit(f"{url}: HTTP {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
        if i == 0:
            while versioned.refreshing():
                time.sleep(0.05)
            ready = time.perf_counter() - t0
    return out[0], out[1:], ready


AFTER_A_LABEL = {"dashboard": "/projects/scale/review?format=json",
                 "disagreement queue, page 1": "/projects/scale/disagreements?format=json",
                 "progress": "/admin/projects/scale/progress?format=json"}


def after_a_label(app, client) -> dict:
    """One more label (through labelling.save, as the API writes it), then each page whose
    figures come from all rows (AFTER_A_LABEL) at once: the figures last computed, said so
    (review/versioned.lasting), and the time until the background refresh gives the current
    ones."""
    from annotator import labelling, projects, users
    from annotator.labelling import LabelInput
    from annotator.models import Annotation, Sentence
    from annotator.review import versioned
    from sqlalchemy import select

    with app.extensions["annotator.sessionmaker"]() as s:
        project = projects.by_slug(s, "scale")
        user = users.by_name(s, "boss")
        sid = s.scalar(select(Sentence.id).where(Sentence.project_id == project.id, ~Sentence.id.in_(
            select(Annotation.sentence_id).where(Annotation.user_id == user.id))).limit(1))
        t0 = time.perf_counter()
        labelling.save(s, project, s.get(Sentence, sid), user, LabelInput("neutral_fact"), held_only=False)
    out = {}
    for name, url in AFTER_A_LABEL.items():
        t = time.perf_counter()
        body = client.get(url).get_json()
        out[name] = {"view_s": time.perf_counter() - t, "served_as_of": body["as_of"]}
    while versioned.refreshing():
        time.sleep(0.05)
    for name, url in AFTER_A_LABEL.items():
        out[name]["current"] = client.get(url).get_json()["as_of"] is None
    out["current_after_s"] = time.perf_counter() - t0
    return out


def export_stream(client, token: str, total: int) -> dict:
    resp = client.get("/api/v1/projects/scale/export?kind=annotations&format=jsonl",
                      headers={"Authorization": f"Bearer {token}"}, buffered=False)
    if resp.status_code != 200:
        raise SystemExit(f"export: HTTP {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
    t = time.perf_counter()
    lines, marks, tail = 0, {}, b""
    start_rss = rss_mib()
    for chunk in resp.response:
        chunk = chunk if isinstance(chunk, bytes) else chunk.encode()
        lines += chunk.count(b"\n")
        for share in (0.1, 0.5, 1.0):
            if share not in marks and lines >= share * total:
                marks[share] = (lines, rss_mib(), time.perf_counter() - t)
    resp.close()
    return {"seconds": time.perf_counter() - t, "lines": lines, "start_rss": start_rss,
            "marks": marks}


def explain(engine, pid: int) -> str:
    """EXPLAIN (ANALYZE) of the hot queries a view runs after the first."""
    from sqlalchemy import text
    hot = {
        "data version (newest event of the project)":
            f"SELECT id FROM events WHERE project_id = {pid} ORDER BY id DESC LIMIT 1",
        "queue page: the page's labels":
            "SELECT a.* FROM annotations a JOIN users u ON u.id = a.user_id "
            "WHERE a.sentence_id IN (101, 202, 303, 404, 505) ORDER BY u.id",
        "admin article list, a later page":
            f"SELECT id, title, source, lang FROM articles WHERE project_id = {pid} "
            "ORDER BY id LIMIT 20 OFFSET 20000",
        "article list: counts of the page's units":
            "SELECT article_id, count(*) FILTER (WHERE kind = 'body') FROM sentences "
            "WHERE article_id IN (1001, 1002, 1003) GROUP BY article_id",
        "dashboard first view: every counted label (one read)":
            "SELECT a.sentence_id, u.username, a.label, a.seconds, s.article_id FROM annotations a "
            "JOIN users u ON u.id = a.user_id JOIN sentences s ON s.id = a.sentence_id "
            f"WHERE a.project_id = {pid} AND s.kind = 'body' AND NOT EXISTS (SELECT 1 FROM "
            "control_items c WHERE c.sentence_id = a.sentence_id) "
            "ORDER BY s.article_id, s.position, a.sentence_id",
    }
    out = []
    with engine.connect() as conn:
        for name, sql in hot.items():
            plan = "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")))
            out.append(f"**{name}**\n\n```\n{plan}\n```")
    return "\n\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=("pg", "sqlite"), default="pg")
    ap.add_argument("--sentences", type=int)
    ap.add_argument("--labels", type=int)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    logging.disable(logging.INFO)  # the request log of every view
    pg = args.db == "pg"
    n_s = args.sentences or (1_000_000 if pg else 20_000)
    n_l = args.labels or (5_000_000 if pg else 100_000)

    from annotator import create_app
    from annotator.db import make_engine, upgrade

    tmp = Path(tempfile.mkdtemp(prefix="scale-"))
    db = Database("postgresql" if pg else "sqlite", tmp)
    try:
        engine = make_engine(db.url)
        upgrade(engine)
        built = build(engine, n_s, n_l)
        print(f"built in {built['seconds']:.1f} s: {built}", flush=True)
        app = create_app({"DATABASE_URL": db.url, "INSTANCE_PATH": str(tmp / "instance"),
                          "EXPORT_DIR": str(tmp / "export"), "SECRET_KEY": "bench",
                          "LOGIN_FAILURES_PER_ADDRESS": 10_000})
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        resp = client.post("/login", data={"username": "boss", "password": "password123",
                                           "csrf_token": CSRF_RE.search(html).group(1)})
        assert resp.status_code == 302, resp.status_code
        n_articles = built["articles"]
        pages = {
            "dashboard (JSON)": "/projects/scale/review?format=json",
            "dashboard (HTML)": "/projects/scale/review",
            "disagreement queue, page 1": "/projects/scale/disagreements?format=json",
            "disagreement queue, a later page": None,  # the last page but one, once known
            "admin article list, page 1": "/admin/projects/scale",
            "admin article list, a later page": f"/admin/projects/scale?page={max(1, n_articles // 20 - 1)}",
            "unit page (an article's units)": f"/admin/articles/{n_articles // 2}",
            "progress": "/admin/projects/scale/progress?format=json",
        }
        results = []
        for name, url in pages.items():
            if url is None:
                n_pages = client.get(pages["disagreement queue, page 1"]).get_json()["pages"]
                url = f"/projects/scale/disagreements?format=json&page={max(1, n_pages - 1)}"
                name = f"{name} ({max(1, n_pages - 1):,} of {n_pages:,})"
            first, rest, ready = timed(client, url)
            results.append((name, first, ready, statistics.median(rest), max(rest)))
            print(f"{name:38s} first {first * 1000:9.0f} ms   ready {ready:7.1f} s   next median "
                  f"{statistics.median(rest) * 1000:7.1f} ms  max {max(rest) * 1000:7.1f} ms", flush=True)
        after = after_a_label(app, client)
        print(f"after one more label: {after}", flush=True)
        ex = export_stream(client, built["token"], built["annotations"])
        print(f"export: {ex}", flush=True)
        plans = explain(engine, built["pid"]) if pg else ""
        engine.dispose()
        app.extensions["annotator.engine"].dispose()
    finally:
        db.drop()

    goal = 0.3
    from annotator.review.versioned import FIRST_VIEW_SECONDS as first_wait
    from annotator.review.versioned import REFRESH_INLINE_SECONDS as versioned_threshold
    rows = "\n".join(
        f"| {name} | {first * 1000:,.0f} ms | {ready:,.1f} s | {med * 1000:,.1f} ms | {mx * 1000:,.1f} ms | "
        f"{'yes' if max(mx, first) < (1.0 if name.startswith('dashboard') else goal) else '**no**'} |"
        for name, first, ready, med, mx in results)
    after_rows = "\n".join(
        f"| {name} | {a['view_s'] * 1000:,.0f} ms | "
        f"{'as last computed (as of ' + a['served_as_of'] + ')' if a['served_as_of'] else 'computed in the request'} | "
        f"{'yes' if a['current'] else '**no**'} |"
        for name, a in after.items() if isinstance(a, dict))
    marks = "; ".join(f"{int(share * 100)}% ({n:,} rows): RSS {r:,.0f} MiB at {s:.1f} s"
                      for share, (n, r, s) in sorted(ex["marks"].items()))
    size = "the issue's size" if (n_s, n_l) == ((1_000_000, 5_000_000) if pg else (20_000, 100_000)) \
        else "**smaller than the issue's size**"
    text = f"""### {'PostgreSQL' if pg else 'SQLite'}: {n_s:,} sentences, {built['annotations']:,} labels ({size})

`nice -n 10 python bench/scale.py --db {args.db} --sentences {n_s} --labels {n_l}` on {machine()}.
Built in {built['seconds']:.0f} s ({'COPY' if pg else 'executemany'}; {built['articles']:,} articles,
{ANNOTATORS} annotators). Flask test client, signed in as an admin; "first" is the first view
in the process (nothing computed yet: it waits up to {first_wait} s for the computation, then
says the figures are being computed), "ready" when the figures computed from all rows were
there, "next" the following 3 views (kept per project data version: review/versioned.py).
Goal on every view: 1 s for the dashboard, 300 ms for the other pages.

| page | first | ready | next, median | next, max | goal met |
| --- | ---: | ---: | ---: | ---: | --- |
{rows}

Right after one more label (review/versioned.lasting: figures whose last computation took
{versioned_threshold} s or more are served as last computed, said so, while a thread computes
them anew; quicker ones are computed in the request):

| page | view | served | current |
| --- | ---: | --- | --- |
{after_rows}

Every page current {after['current_after_s']:.1f} s after the label.

Export of the annotations (JSONL, API, streamed): {ex['lines']:,} lines in {ex['seconds']:.1f} s
(goal 60 s at 5,000,000); RSS before {ex['start_rss']:,.0f} MiB; {marks}.
"""
    if plans:
        text += "\nEXPLAIN (ANALYZE) of the hot queries:\n\n" + plans + "\n"
    print(text)
    if not args.no_write:
        write_section("scale_pg" if pg else "scale_sqlite", text)


if __name__ == "__main__":
    main()
