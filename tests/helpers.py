"""Helpers for tests that sign in through the pages (kept out of conftest.py so that
test modules can import them unambiguously)."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import lxml.html

# The article of the `project` fixture (tests/conftest.py).
SAMPLE = """Troops clash near the border

The ministry said on Monday that 1,000 troops had been moved to the border.

Government forces liberated the village of Dren after days of provocations.

The river crossing is 12 km long. It opened in 2019.

READ MORE: Talks stall again

Reuters Archive
"""


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username, password="password123"):
    token = csrf_token(client)
    resp = client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    # Signing in starts a new session, with a new CSRF token: the one for the signed-in pages.
    return csrf_token(client, "/")


BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_bench(name: str):
    """bench/NAME.py as a module (the benchmarks are scripts, not a package)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def form_values(client, path: str, form_id: str) -> dict:
    """The fields the form `form_id` of the page at `path` posts as drawn, as a browser without
    JavaScript sends them (lxml: ticked boxes only, each select's chosen option)."""
    html = client.get(path).get_data(as_text=True)
    return dict(lxml.html.fromstring(html).get_element_by_id(form_id).form_values())


def form_version(client, path: str) -> str:
    """The version (events.version_of) that the edit form at `path` carries as drawn: what a
    browser posts back, so that a save from a stale page is refused."""
    html = client.get(path).get_data(as_text=True)
    return lxml.html.fromstring(html).xpath("//input[@name='version']/@value")[0]
