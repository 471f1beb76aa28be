"""Weight and speed of the annotate page: at most 60 KB on the wire, no other host, and the
next sentence shown after each key (how soon is measured by bench/browser.py, not here)."""
from __future__ import annotations

from urllib.parse import urlsplit

from e2e import LATENCY_PROBE, PASSWORD, VIEWPORT, shown_id, sign_in, wait_saved

BUDGET = 60 * 1024



def page_load_bytes(browser, server, path="/projects/demo/annotate"):
    """Bytes on the wire (both directions) to load a page with an empty cache, and the URLs."""
    first = browser.new_context(viewport=VIEWPORT)
    sign_in(first.new_page(), server.url, "alice", PASSWORD)
    state = first.storage_state()
    first.close()
    ctx = browser.new_context(viewport=VIEWPORT, storage_state=state)  # signed in, cache empty
    try:
        page = ctx.new_page()
        seen, failed = [], []
        page.on("requestfinished", lambda r: seen.append((r.url, r.sizes())))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        total = sum(s["requestHeadersSize"] + s["requestBodySize"] + s["responseHeadersSize"]
                    + s["responseBodySize"] for _, s in seen)
        return total, [u for u, _ in seen] + failed
    finally:
        ctx.close()


def test_annotate_page_weighs_at_most_60_kb_and_calls_no_other_host(browser, server):
    total, urls = page_load_bytes(browser, server)
    here = urlsplit(server.url).netloc
    http = [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")]
    assert http and all(urlsplit(u).netloc == here for u in http), http
    assert not [u for u in urls if urlsplit(u).scheme not in ("http", "https", "data")], urls
    assert any("/api/v1/projects/demo/next" in u for u in http), "the page prefetches"
    assert total <= BUDGET, f"the annotate page moved {total:,} bytes (budget {BUDGET:,})"


def test_each_key_shows_the_next_sentence(server, page, login):
    login(page, "alice", "/projects/demo/annotate")
    page.wait_for_load_state("networkidle")
    page.evaluate(LATENCY_PROBE)
    for i in range(12):
        before = shown_id(page)
        page.keyboard.press("123"[i % 3])
        page.wait_for_function("n => window.__latency.length >= n", arg=i + 1)
        assert shown_id(page) != before
    wait_saved(page)  # how soon it shows is bench/browser.py's to measure
