"""Importing 10 MB of news text with `annotator import` (issue 7).

    python bench/import.py [--articles 2000] [--kb 5] [--no-write]

Synthetic wire-style articles (about 5 KB each: a title, paragraphs of attributed claims,
quotes, abbreviations such as U.S. and a.m., decimals, an ellipsis, "READ MORE" lines and
photo credits) are written as one JSONL file; `annotator import SLUG FILE` then runs as a
subprocess on a fresh SQLite database. Reported: wall time, CPU time of the command and its
segmentation workers (from wait4; CPU / wall > 1 means more than one core was used), peak
memory, units stored. Goal: 10 MB (about 2,000 articles) in under 30 s, using both cores.

Figures go to docs/benchmarks.md between <!-- bench:import --> and <!-- /bench:import -->.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ANNOTATOR_BIN, cli, machine, setup_app, wait_quiet, write_section  # noqa: E402

GOAL_SECONDS = 30.0

_PLACES = ["Kyiv", "Baku", "Yerevan", "Gaza", "Jerusalem", "Taipei", "Brussels", "Washington",
           "Tbilisi", "Khartoum", "Caracas", "Belgrade", "Pristina", "Damascus"]
_WHO = ["the defence ministry", "a senior U.S. official", "Mr. Petrov", "Dr. Amina Haddad",
        "the foreign ministry", "local authorities", "the U.N. envoy", "opposition leaders",
        "Gen. Sergei Volkov", "a spokesperson for the E.U. Commission", "witnesses"]
_VERB = ["said", "told reporters", "stressed", "claimed", "said in a statement", "warned",
         "added", "insisted"]
_CLAIM = ["{n} troops had been moved closer to the border overnight",
          "the talks would resume on Monday at {h} a.m. local time",
          "inflation rose to {d} percent in March, the highest since {y}",
          "the regime had violated the ceasefire at least {n} times",
          "the so-called referendum in {p} had no legal force",
          "the occupied territories would be returned only after {n} rounds of talks",
          "humanitarian convoys were blocked for a {o} day near {p}",
          "the militants had fired {n} rockets from residential areas",
          "the agreement would be signed in {p} by the end of the month"]
_FACT = ["The bridge, which opened in {y}, is {n} km long.",
         "About {n},000 people live in the district around {p}.",
         "The parliament has {n} seats; the ruling party holds {m} of them.",
         "Forces liberated the village of {p} after {n} days of heavy fighting.",
         "The border crossing was closed at {h} p.m. on Friday.",
         "Prices of bread and fuel have risen {d} percent since {y}.",
         "The provocation near {p} drew condemnation from neighbouring states."]
_ORD = ["second", "third", "fourth", "fifth", "sixth"]


def _fill(rng: random.Random, template: str) -> str:
    return template.format(n=rng.randint(2, 900), m=rng.randint(2, 90), h=rng.randint(1, 11),
                           d=f"{rng.randint(1, 19)}.{rng.randint(1, 9)}", y=rng.randint(1991, 2025),
                           p=rng.choice(_PLACES), o=rng.choice(_ORD))
_BOILER = ["READ MORE: Ceasefire talks stall again", "Photo: Reuters/File", "Share this article",
           "Loading...", "Follow us on Telegram for the latest updates"]


def article(rng: random.Random, i: int, size: int) -> dict:
    place = rng.choice(_PLACES)
    paras: list[str] = []
    n = 0
    while n < size:
        sents = []
        for _ in range(rng.randint(2, 4)):
            r = rng.random()
            claim = _fill(rng, rng.choice(_CLAIM))
            if r < 0.35:
                s = f"{rng.choice(_WHO).capitalize()} {rng.choice(_VERB)} that {claim}."
            elif r < 0.5:
                s = f"\u201c{claim[0].upper() + claim[1:]},\u201d {rng.choice(_WHO)} {rng.choice(_VERB)}."
            elif r < 0.6:
                s = f"According to {rng.choice(_WHO)}, {claim}..."
            else:
                s = _fill(rng, rng.choice(_FACT))
            sents.append(s)
        para = " ".join(sents)
        if not paras:
            para = f"{place.upper()} (Wire) \u2014 {para}"
        paras.append(para)
        if rng.random() < 0.08:
            paras.append(rng.choice(_BOILER))
        n += len(para) + 2
    return {"title": f"{place}: report {i} on talks and fighting", "text": "\n\n".join(paras),
            "url": f"https://news.example/{i}", "source": "Wire", "published": "2026-11-25",
            "id": f"wire-{i}"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--kb", type=float, default=5.0, help="size of an article's text")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="annotator-import-"))
    url = f"sqlite:///{tmp / 'annotator.db'}"
    app = setup_app(url, tmp / "instance")
    cli(app, "init")
    cli(app, "create-project", "news")
    app.extensions["annotator.engine"].dispose()
    rng = random.Random(9)
    path = tmp / "articles.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(args.articles):
            fh.write(json.dumps(article(rng, i, int(args.kb * 1024)), ensure_ascii=False) + "\n")
    size = path.stat().st_size
    text_bytes = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text_bytes += len(json.loads(line)["text"].encode())

    env = {**os.environ, "ANNOTATOR_DATABASE_URL": url, "ANNOTATOR_INSTANCE_PATH": str(tmp / "instance")}
    quiet = wait_quiet()
    t0 = time.perf_counter()
    proc = subprocess.Popen([ANNOTATOR_BIN, "import", "news", str(path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode(errors="replace").strip()
    err = proc.stderr.read().decode(errors="replace").strip()
    proc.stdout.close()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"annotator import failed: {err}")
    cpu = usage.ru_utime + usage.ru_stime

    import sqlite3

    db = sqlite3.connect(tmp / "annotator.db")
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    kinds = dict(db.execute("SELECT kind, count(*) FROM sentences GROUP BY kind").fetchall())
    db.close()

    def ok(good):
        return "met" if good else "**missed**"

    text = "\n".join([
        "## Import of news text (`annotator import`)",
        "",
        f"`python bench/import.py` — {_dt.date.today().isoformat()}; {machine()}.",
        "",
        f"{args.articles:,} synthetic wire-style articles (quotes, attributions, U.S./Mr./a.m., "
        f"decimals, ellipses, READ MORE lines, photo credits) in one JSONL file of "
        f"{size / 2**20:.1f} MiB ({text_bytes / 2**20:.1f} MiB of article text), imported into a "
        f"fresh SQLite database by `annotator import news FILE` (a subprocess; CPU time and peak "
        f"memory from wait4 include its segmentation worker processes). Other processes left "
        f"{quiet:.0%} of the machine's CPU idle just before the run.",
        "",
        "| measurement | value | goal |",
        "| --- | ---: | --- |",
        f"| wall time | {wall:.1f} s | < {GOAL_SECONDS:.0f} s: {ok(wall < GOAL_SECONDS)} |",
        f"| throughput | {text_bytes / 2**20 / wall:.2f} MiB/s, {articles / wall:,.0f} articles/s | |",
        f"| CPU time (user + system) | {cpu:.1f} s ({cpu / wall:.2f} cores busy on average) | "
        f"both cores: {ok(cpu / wall > 1.3)} |",
        f"| peak RSS (largest process) | {usage.ru_maxrss / 1024:.0f} MiB | |",
        f"| stored | {articles:,} articles, {sum(kinds.values()):,} units "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))}) | |",
    ])
    print(out)
    print(text)
    if not args.no_write:
        write_section("import", text)
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
