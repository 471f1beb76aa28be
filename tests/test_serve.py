"""`annotator serve` as deployed: each request stands alone, whatever the worker kind.

A sync worker (`--threads 1`) serves in the thread that forked it. The command runs inside
the app context Flask's CLI pushes, and a request that finds an app context active reuses it,
so until the server ran in a fresh context every request shared one `g`, and an anonymous
request was answered as the user signed in before it.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import requests

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from common import Server, cli, setup_app  # noqa: E402


@pytest.mark.parametrize("threads", ["1", "2"])
def test_a_request_never_sees_the_user_of_the_one_before(tmp_path, threads):
    url = f"sqlite:///{tmp_path / 'annotator.db'}"
    app = setup_app(url, tmp_path / "instance")
    cli(app, "init")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "ana", "--password-stdin"], input="pw-ana-12345\n")
    assert result.exit_code == 0, result.output
    app.extensions["annotator.engine"].dispose()

    server = Server(url, tmp_path / "instance", args=["--workers", "1", "--threads", threads])
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        ana = requests.Session()
        form = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', ana.get(f"{base}/login").text)[1]
        ana.post(f"{base}/login", data={"csrf_token": form, "username": "ana",
                                        "password": "pw-ana-12345"}).raise_for_status()
        mine = ana.get(f"{base}/account/session")
        assert mine.status_code == 200 and mine.json()["username"] == "ana"

        stranger = requests.get(f"{base}/account/session")
        assert stranger.status_code == 401
        assert "ana" not in stranger.text
        # Her own next request still carries her session and its CSRF token.
        again = ana.get(f"{base}/account/session")
        assert again.json()["username"] == "ana"
        assert again.json()["csrf_token"]
    finally:
        server.stop()
