"""Benchmark of the disagreement queue in headless Chromium: decide -> next sentence shown.

    python bench/adjudicate.py [--decisions 50] [--reloads 8] [--no-write]

Starts the app on 127.0.0.1 (werkzeug, threaded, its own SQLite file) with a project of
synthetic articles that two annotators labelled differently, so every sentence is a
disagreement. A reviewer decides `--decisions` of them by keyboard on the page with JavaScript
(prefetch and background writes, js/adjudicate.js), one key as soon as the next sentence is
shown; the time from the key event to the next sentence in the DOM and to the next painted
frame is taken inside the page. Then `--reloads` decisions on the same page without JavaScript,
where each decision is a form POST, a redirect and a full page load (the page as it was before
issue 17): the time from the click to the next page's load event (Navigation Timing).
The goal (issue 17, item 5): the next item in under 50 ms.

Prints the figures and writes them to docs/benchmarks.md between the markers
<!-- bench:adjudicate --> and <!-- /bench:adjudicate --> (other sections are left as they are).
Needs /usr/bin/chromium and Playwright for Python; without them it says so and exits 0.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import func, select  # noqa: E402

from annotator.models import Adjudication  # noqa: E402
from browser import machine, pct  # noqa: E402  (the browser benches' percentile and machine line)
from common import write_section  # noqa: E402
from e2e import (LATENCY_PROBE, PASSWORD, VIEWPORT, LiveServer, browser_missing, build_demo_db,  # noqa: E402
                 label_as, launch, make_project, sign_in)

SLUG = "bench-adj"
LABELS = ["attributed_claim", "contested_framing", "neutral_fact"]
NAV = """() => { const n = performance.getEntriesByType('navigation')[0];
  return {load: n.loadEventEnd, dom: n.domContentLoadedEventEnd, redirect: n.redirectEnd - n.redirectStart}; }"""


def article(n: int) -> str:
    lines = ["Synthetic dispatch from the valley", ""]
    for i in range(n):
        lines += [f"The ministry said on day {i + 1} that convoy {i} had reached Brenica after "
                  f"{10 + i} kilometres, while troops liberated the village of Dren {i}.", ""]
    return "\n".join(lines)


def run(decisions: int, reloads: int) -> dict:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-adjudicate-"))
    build_demo_db(tmp / "app.db", tmp / "instance")
    with LiveServer(tmp / "app.db", tmp / "instance") as srv, sync_playwright() as pw:
        ids = make_project(srv, SLUG, article(decisions + reloads + 5))
        # two annotators who never agree: every sentence is in the queue
        label_as(srv, "alice", {sid: LABELS[i % 3] for i, sid in enumerate(ids)}, slug=SLUG)
        label_as(srv, "bob", {sid: LABELS[(i + 1) % 3] for i, sid in enumerate(ids)}, slug=SLUG)
        browser = launch(pw)
        chromium = browser.version
        url = f"{srv.url}/projects/{SLUG}/disagreements"

        ctx = browser.new_context(viewport=VIEWPORT)
        page = ctx.new_page()
        sign_in(page, srv.url, "reviewer", PASSWORD)
        page.goto(url)
        page.wait_for_selector("#adjudicate:not([hidden])")
        page.wait_for_load_state("networkidle")
        page.evaluate(LATENCY_PROBE)
        t_start = time.perf_counter()
        for i in range(decisions):
            page.keyboard.press("123"[i % 3])
            page.wait_for_function("n => window.__latency.length >= n", arg=i + 1, timeout=10000)
        elapsed = time.perf_counter() - t_start
        page.wait_for_selector("#adjudicate[data-unsaved='0']", state="attached", timeout=30000)
        lat = page.evaluate("() => window.__latency")
        puts = page.evaluate("""() => performance.getEntriesByType('resource')
          .filter((e) => e.name.includes('/gold')).map((e) => e.responseEnd - e.startTime)""")
        ctx.close()

        # the same decisions as full page loads (the page without JavaScript)
        state_ctx = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
        page = state_ctx.new_page()
        sign_in(page, srv.url, "reviewer", PASSWORD)
        page.goto(url)
        loads = []
        for i in range(reloads):
            with page.expect_navigation(wait_until="load"):
                page.locator(".dis-item").first.locator(f".label-button[value={LABELS[i % 3]}]").click()
            loads.append(page.evaluate(NAV))
        state_ctx.close()
        browser.close()
        with srv.session() as s:
            stored = s.scalar(select(func.count()).select_from(Adjudication))
    return {"lat": lat, "puts": puts, "loads": loads, "n": decisions, "reloads": reloads,
            "elapsed": elapsed, "chromium": chromium, "stored": stored}


def report(r: dict) -> str:
    dom = [x["dom"] for x in r["lat"]]
    paint = [x["paint"] for x in r["lat"]]
    full = [x["load"] for x in r["loads"]]
    rows = [
        ("key -> next sentence in the DOM (page with JavaScript)", dom, "goal < 50 ms"),
        ("key -> next frame painted (page with JavaScript)", paint, "goal < 50 ms"),
        ("gold write (PUT /api/v1/sentences/ID/gold, in the background)", r["puts"], "not waited for"),
        ("click -> next page loaded (form POST, redirect, full page; no JavaScript)", full,
         "the old way"),
    ]
    ok = pct(dom, .95) < 50
    lines = [
        "## Adjudication in the browser (decide -> next disagreement)",
        "",
        f"`python bench/adjudicate.py` — {_dt.date.today().isoformat()}; {machine()}, "
        f"headless Chromium {r['chromium']} (Debian), app on 127.0.0.1 (werkzeug, threaded, SQLite).",
        "",
        f"A reviewer decides {r['n']} disagreements by keyboard, one key as soon as the next "
        "sentence is shown (times from the key event's timestamp, inside the page), then "
        f"{r['reloads']} more on the page without JavaScript, where every decision reloads the "
        "page (times from the click to the next page's load event, Navigation Timing). Two "
        "annotators labelled every sentence differently.",
        "",
        "| measurement | p50 | p95 | max | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for what, vals, note in rows:
        lines.append(f"| {what} | {pct(vals, .5):.1f} ms | {pct(vals, .95):.1f} ms | "
                     f"{max(vals) if vals else float('nan'):.1f} ms | {note} (n = {len(vals)}) |")
    lines += [
        "",
        f"Goal (issue 17, item 5): the next item shown in under 50 ms — {'met' if ok else 'NOT met'} "
        f"in the DOM (p95 {pct(dom, .95):.1f} ms; p95 {pct(paint, .95):.1f} ms to the painted "
        f"frame, which waits for the machine's compositor), against a p50 of "
        f"{pct(full, .5):.0f} ms per full page load. {r['n']} decisions took {r['elapsed']:.1f} s "
        f"including the driver's round trips; {r['stored']} gold labels were stored in all. "
        f"Load on the machine while it ran (1-minute load average): {os.getloadavg()[0]:.1f}.",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--decisions", type=int, default=50)
    p.add_argument("--reloads", type=int, default=8)
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = p.parse_args(argv)
    why = browser_missing()
    if why:
        print(f"bench/adjudicate.py skipped: {why}")
        return 0
    text = report(run(args.decisions, args.reloads))
    print(text)
    if not args.no_write:
        write_section("adjudicate", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
