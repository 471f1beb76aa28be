"""Benchmark of the annotate page in headless Chromium: label a sentence -> next sentence shown.

    python bench/browser.py [--labels 300] [--no-write]

Starts the app on 127.0.0.1 (werkzeug, threaded, its own SQLite file) with a project of
synthetic articles, signs in, and presses label keys as an annotator would, one key after the
sentence is shown. For every key it takes, inside the page, the time from the key event
(`event.timeStamp`) to the DOM showing the next sentence, and to the first frame painted after
it (requestAnimationFrame + setTimeout). It also records how long the background writes and the
prefetch reads took (Resource Timing), and the page's weight on the wire with an empty cache.
The goal (issue 8): under 100 ms from the key to the next sentence shown.

Prints the figures and writes them to docs/benchmarks.md between the markers
<!-- bench:browser --> and <!-- /bench:browser --> (other sections are left as they are).
Needs /usr/bin/chromium and Playwright for Python; without them it says so and exits 0.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from e2e import (LATENCY_PROBE, PASSWORD, VIEWPORT, LiveServer, browser_missing, build_demo_db,  # noqa: E402
                 launch, make_project, sign_in)

BEGIN = "<!-- bench:browser -->"
END = "<!-- /bench:browser -->"
RESOURCES = """() => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/api/v1/'))
  .map((e) => ({name: e.name, ms: e.responseEnd - e.startTime}))"""
VERBS = ["said", "reported", "stated", "added", "announced"]


def synthetic_text(n_articles: int, per_article: int) -> list[str]:
    """Articles of wire-style sentences, some with attribution cues and loaded words."""
    out = []
    for a in range(n_articles):
        lines = [f"Synthetic report number {a + 1} on the valley", ""]
        for i in range(per_article):
            verb = VERBS[(a + i) % len(VERBS)]
            if i % 3 == 0:
                s = (f"The ministry {verb} on Monday that convoy {a}-{i} had reached the town of "
                     f"Brenica after a journey of {10 + i} kilometres along the river road.")
            elif i % 3 == 1:
                s = (f"Troops liberated the village of Dren {i} after days of provocations, "
                     f"and the occupation of the hills ended before noon on day {a + i}.")
            else:
                s = (f"The bridge at crossing {a}.{i} is {12 + i} metres long and opened in "
                     f"{1990 + i}, the year the new road to the border was finished.")
            lines += [s, ""]
        out.append("\n".join(lines))
    return out


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def machine() -> str:
    try:
        pw = metadata.version("playwright")
    except metadata.PackageNotFoundError:
        pw = "?"
    return (f"nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, "
            f"Playwright {pw}")


def run(n_labels: int) -> dict:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    build_demo_db(tmp / "app.db", tmp / "instance")
    per_article = 12
    with LiveServer(tmp / "app.db", tmp / "instance") as srv, sync_playwright() as pw:
        articles = synthetic_text(-(-n_labels // per_article) + 2, per_article)
        make_project(srv, "bench-0", articles[0])
        from annotator import ingest, projects
        from annotator.articles import add_articles

        with srv.session() as s:
            project = projects.by_slug(s, "bench-0")
            for k, text in enumerate(articles[1:], 1):
                add_articles(s, project, ingest.parse_file(f"a{k}.txt", text.encode()), f"a{k}.txt")
        browser = launch(pw)
        chromium = browser.version
        ctx = browser.new_context(viewport=VIEWPORT)
        page = ctx.new_page()
        sign_in(page, srv.url, "alice", PASSWORD)
        # weight with an empty cache
        state = ctx.storage_state()
        cold = browser.new_context(viewport=VIEWPORT, storage_state=state)
        cpage = cold.new_page()
        sizes = []
        cpage.on("requestfinished", lambda r: sizes.append((r.url, r.sizes())))
        cpage.goto(srv.url + "/projects/bench-0/annotate")
        cpage.wait_for_load_state("networkidle")
        load_ms = cpage.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
        weight = sum(s["requestHeadersSize"] + s["requestBodySize"] + s["responseHeadersSize"]
                     + s["responseBodySize"] for _, s in sizes)
        requests = len(sizes)
        cold.close()

        page.goto(srv.url + "/projects/bench-0/annotate")
        page.wait_for_load_state("networkidle")
        page.evaluate(LATENCY_PROBE)
        t_start = time.perf_counter()
        for i in range(n_labels):
            page.keyboard.press("123"[i % 3])
            page.wait_for_function("n => window.__latency.length >= n", arg=i + 1, timeout=10000)
        elapsed = time.perf_counter() - t_start
        page.wait_for_selector("#annotate[data-unsaved='0']", state="attached", timeout=30000)
        lat = page.evaluate("() => window.__latency")
        res = page.evaluate(RESOURCES)
        browser.close()
    return {"lat": lat, "res": res, "weight": weight, "requests": requests, "load_ms": load_ms,
            "elapsed": elapsed, "n": n_labels, "chromium": chromium}


def report(r: dict) -> tuple[str, list[str]]:
    dom = [x["dom"] for x in r["lat"]]
    paint = [x["paint"] for x in r["lat"]]
    puts = [x["ms"] for x in r["res"] if "/annotation" in x["name"]]
    nexts = [x["ms"] for x in r["res"] if "/next" in x["name"]]
    rows = [
        ("key -> next sentence in the DOM", dom, "goal < 100 ms"),
        ("key -> next frame painted", paint, "goal < 100 ms"),
        ("label write (PUT, in the background)", puts, "not waited for"),
        ("prefetch (GET next?ahead=…, in the background)", nexts, "not waited for"),
    ]
    lines = [
        BEGIN,
        "## Annotate page in the browser (label -> next sentence)",
        "",
        f"`python bench/browser.py` — {_dt.date.today().isoformat()}; {machine()}, "
        f"headless Chromium {r['chromium']} (Debian), app on 127.0.0.1 (werkzeug, threaded, SQLite).",
        "",
        f"{r['n']} labels by keyboard, one key as soon as the next sentence is shown, on synthetic "
        "wire-style articles (with hints). Times are taken inside the page from the key event's "
        "timestamp; the writes and the prefetch run in the background and are not waited for.",
        "",
        "| measurement | p50 | p95 | max | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for what, vals, note in rows:
        lines.append(f"| {what} | {pct(vals, .5):.1f} ms | {pct(vals, .95):.1f} ms | "
                     f"{max(vals) if vals else float('nan'):.1f} ms | {note} (n = {len(vals)}) |")
    ok = pct(paint, .95) < 100
    slow = sum(1 for x in dom if x > 50)
    lines += [
        "",
        f"Goal (issue 8): under 100 ms from the key to the next sentence shown — "
        f"{'met' if ok else 'NOT met'} (p95 {pct(paint, .95):.1f} ms to the painted frame). "
        f"{r['n']} labels took {r['elapsed']:.1f} s including the driver's round trips "
        f"({r['n'] / r['elapsed']:.0f} labels/s). " + (
            f"{slow} key(s) took over 50 ms to the DOM (the prefetched queue ran dry and the page "
            "waited for the server)." if slow else
            "The prefetched queue never ran dry (no key took over 50 ms to the DOM)."),
        "",
        f"Page weight with an empty cache: {r['weight']:,} bytes on the wire in {r['requests']} "
        f"requests (HTML, CSS, JS, one prefetch), budget 61,440 (60 KB); the load event came "
        f"after {r['load_ms']:.0f} ms. No request goes to another host (asserted by "
        "tests/browser/test_weight_speed.py).",
        END,
    ]
    return "\n".join(lines), lines


def write(path: Path, text: str) -> None:
    """Replace this script's section of docs/benchmarks.md (bench/common.py does the splicing)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import write_section

    write_section("browser", text.strip().removeprefix(BEGIN).removesuffix(END), path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--labels", type=int, default=300)
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = p.parse_args(argv)
    why = browser_missing()
    if why:
        print(f"bench/browser.py skipped: {why}")
        return 0
    text, _ = report(run(args.labels))
    print(text)
    if not args.no_write:
        write(ROOT / "docs" / "benchmarks.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
