"""Fixtures for the end-to-end tests in headless Chromium (Debian's /usr/bin/chromium driven by
Playwright for Python; no browser is ever downloaded).

Every test gets a live server of its own on 127.0.0.1 (a copy of one demo database built per
session, SQLite, whatever ANNOTATOR_DATABASE_URL says) and a fresh browser context at 1280x720.
Without Chromium or Playwright every test here is skipped, so `make test` passes anyway.

Screenshots go to docs/screenshots/ when the file is missing or UPDATE_SCREENSHOTS=1 is set;
otherwise they are still taken (into a temporary folder), so the pages are rendered either way.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# e2e.py is shared with bench/browser.py, which imports it by path too.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from e2e import (PASSWORD, SHOTS, VIEWPORT, LiveServer, browser_missing, build_demo_db,  # noqa: E402
                 copy_db, launch, sign_in)

WHY_NOT = browser_missing()
# The live servers here use their own SQLite database, so a run against another database (CI's
# PostgreSQL pass) would only repeat the same browser tests; those marked any_database serve the
# suite's own app (tests/conftest.py) and run on PostgreSQL too.
if not WHY_NOT and os.environ.get("ANNOTATOR_DATABASE_URL", "").startswith("postgresql"):
    WHY_NOT = "they run on their own SQLite database, already covered by the SQLite run"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if WHY_NOT and not (item.get_closest_marker("any_database") and not browser_missing()):
                item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {WHY_NOT}"))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-db")
    path = folder / "demo.db"
    build_demo_db(path, folder / "instance")
    return path


@pytest.fixture
def server(demo_db, tmp_path):
    from annotator import progress
    from annotator.review import versioned

    # What this process keeps per project and data version belongs to the last test's copy of
    # the database: a project made by two tests has the same id and may have the same version.
    progress.forget()
    versioned.forget()
    # a page after a label shows it (tests/conftest.py)
    versioned.REFRESH_INLINE_SECONDS = versioned.FIRST_VIEW_SECONDS = float("inf")
    db = tmp_path / "app.db"
    copy_db(demo_db, db)
    with LiveServer(db, tmp_path / "instance") as srv:
        yield srv


@pytest.fixture(scope="package")
def browser():
    # Package scope: Playwright's sync API keeps an asyncio loop running while it is open,
    # which would break later tests that call asyncio.run().
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


class PageProblems(list):
    """Console errors, uncaught exceptions and CSP violations seen by a page."""

    def watch(self, page):
        page.on("pageerror", lambda err: self.append(f"uncaught: {err}"))
        page.on("console", lambda msg: self.append(f"console.{msg.type}: {msg.text}")
                if msg.type == "error" and self.relevant(msg.text) else None)
        return page

    allowed: tuple[str, ...] = ()

    def relevant(self, text: str) -> bool:
        # Failed requests are logged as console errors; tests that cut the network allow them.
        return not any(a in text for a in self.allowed)


@pytest.fixture
def problems():
    return PageProblems()


@pytest.fixture
def context(browser, problems):
    ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    ctx.on("page", problems.watch)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, problems):
    pg = context.new_page()
    yield pg
    assert not [p for p in problems if "Content Security Policy" in p or p.startswith("uncaught")], problems


@pytest.fixture
def login(server):
    def do(page, username, next_path=""):
        sign_in(page, server.url, username, PASSWORD, next_path)
        assert "/login" not in page.url, f"sign-in as {username} failed"
    return do


@pytest.fixture
def shot(tmp_path):
    """shot(page, "name"): a screenshot of the viewport (1280x720, or a phone's) for the README."""
    def take(page, name: str) -> Path:
        target = SHOTS / f"{name}.png"
        if not target.exists() or os.environ.get("UPDATE_SCREENSHOTS") == "1":
            target.parent.mkdir(parents=True, exist_ok=True)
        else:
            target = tmp_path / f"{name}.png"
        page.screenshot(path=str(target))
        return target
    return take


