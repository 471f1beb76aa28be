"""Benchmark of the annotate page's two views in headless Chromium: key -> next sentence, in the
focused view and in the article view (issue 17 item 1: under 50 ms in both).

    python bench/article_view.py [--labels 120] [--no-write]

Same set-up and probe as bench/browser.py (synthetic wire-style articles of 40 sentences with
headings and hints, label keys pressed one after the other as soon as the next sentence is
shown, times taken inside the page from the key event), once per view: the view is chosen the
way an annotator chooses it (key A; the page remembers it in localStorage). In the article view
the whole article is fetched once per article and kept by the page, so a key only moves the
highlight; the first sentence of each new article draws the article anew. It also counts the
article requests and their bytes.

Prints the figures and writes them to docs/benchmarks.md between <!-- bench:article_view -->
and <!-- /bench:article_view -->. Needs /usr/bin/chromium and Playwright for Python; without
them it says so and exits 0.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser import machine, pct, synthetic_text  # noqa: E402  (the browser benches' helpers)
from common import write_section  # noqa: E402
from e2e import (LATENCY_PROBE, PASSWORD, VIEWPORT, LiveServer, browser_missing, build_demo_db,  # noqa: E402
                 launch, make_project, sign_in)

PER_ARTICLE = 40
ARTICLE_REQUESTS = """() => performance.getEntriesByType('resource')
  .filter((e) => /\\/api\\/v1\\/projects\\/[^/]+\\/articles\\//.test(e.name))
  .map((e) => ({ms: e.responseEnd - e.startTime, bytes: e.encodedBodySize}))"""


def run(n_labels: int) -> dict:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-article-view-"))
    build_demo_db(tmp / "app.db", tmp / "instance")
    out: dict = {"n": n_labels}
    with LiveServer(tmp / "app.db", tmp / "instance") as srv, sync_playwright() as pw:
        articles = synthetic_text(2 * (-(-n_labels // PER_ARTICLE)) + 2, PER_ARTICLE)
        make_project(srv, "views", articles[0])
        from annotator import ingest, projects
        from annotator.articles import add_articles

        with srv.session() as s:
            project = projects.by_slug(s, "views")
            for k, text in enumerate(articles[1:], 1):
                add_articles(s, project, ingest.parse_file(f"a{k}.txt", text.encode()), f"a{k}.txt")
        browser = launch(pw)
        out["chromium"] = browser.version
        for user, view in (("alice", "focused"), ("bob", "article")):
            ctx = browser.new_context(viewport=VIEWPORT)
            page = ctx.new_page()
            sign_in(page, srv.url, user, PASSWORD, "/projects/views/annotate")
            page.wait_for_load_state("networkidle")
            if view == "article":
                page.keyboard.press("a")
                page.wait_for_selector("#annotate.article-view #article #sentence")
            page.evaluate(LATENCY_PROBE)
            t0 = time.perf_counter()
            for i in range(n_labels):
                page.keyboard.press("123"[i % 3])
                page.wait_for_function("n => window.__latency.length >= n", arg=i + 1, timeout=10000)
            elapsed = time.perf_counter() - t0
            page.wait_for_selector("#annotate[data-unsaved='0']", state="attached", timeout=30000)
            if view == "article":
                assert page.locator("#article #sentence").count() == 1, "the sentence left the article"
            out[view] = {"lat": page.evaluate("() => window.__latency"), "elapsed": elapsed,
                         "articles": page.evaluate(ARTICLE_REQUESTS)}
            ctx.close()
        browser.close()
    return out


def report(r: dict) -> str:
    lines = [
        "## Annotate page: focused view and article view (key -> next sentence)",
        "",
        f"`python bench/article_view.py` — {_dt.date.today().isoformat()}; {machine()}, headless "
        f"Chromium {r['chromium']} (Debian), app on 127.0.0.1 (werkzeug, threaded, SQLite).",
        "",
        f"{r['n']} labels by keyboard in each view, on synthetic articles of {PER_ARTICLE} "
        "sentences (a heading, paragraphs, hints); the article view shows the whole article with "
        "the sentence highlighted and scrolled into view.",
        "",
        "| view | key -> next in the DOM, p50 / p95 / max | key -> next frame painted, p50 / p95 / max | article requests |",
        "| --- | ---: | ---: | --- |",
    ]
    met = True
    for view in ("focused", "article"):
        v = r[view]
        dom = [x["dom"] for x in v["lat"]]
        paint = [x["paint"] for x in v["lat"]]
        met = met and pct(paint, .95) < 50
        arts = v["articles"]
        fetched = (f"{len(arts)} ({sum(a['bytes'] for a in arts):,} bytes, p50 "
                   f"{pct([a['ms'] for a in arts], .5):.0f} ms, in the background)" if arts else "none")
        lines.append(f"| {view} | {pct(dom, .5):.1f} / {pct(dom, .95):.1f} / {max(dom):.1f} ms | "
                     f"{pct(paint, .5):.1f} / {pct(paint, .95):.1f} / {max(paint):.1f} ms | {fetched} |")
    lines += ["", f"Goal (issue 17): under 50 ms from the key to the next sentence shown, in both "
                  f"views — {'met' if met else 'NOT met'} (p95 to the painted frame)."]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--labels", type=int, default=120)
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = p.parse_args(argv)
    why = browser_missing()
    if why:
        print(f"bench/article_view.py skipped: {why}")
        return 0
    text = report(run(args.labels))
    print(text)
    if not args.no_write:
        write_section("article_view", text, ROOT / "docs" / "benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
