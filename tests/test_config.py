"""Configuration sources and their order, the instance folder and the settings derived from it."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import annotator
from annotator import create_app

PACKAGE = Path(annotator.__file__).resolve().parent


@pytest.fixture(autouse=True)
def no_annotator_env(monkeypatch):
    """Only what a test sets: the PostgreSQL run exports ANNOTATOR_DATABASE_URL."""
    for key in [k for k in os.environ if k.startswith("ANNOTATOR_")]:
        monkeypatch.delenv(key)


def _app(**config):
    app = create_app(config)
    app.extensions["annotator.engine"].dispose()
    return app


def test_precedence_defaults_file_environment_argument(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "LEASE_MINUTES = 20\n"
        "MAX_CONTENT_LENGTH = 1000\n"
        "WTF_CSRF_TIME_LIMIT = 100\n"
        "lowercase_is_ignored = 1\n")
    monkeypatch.setenv("ANNOTATOR_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("ANNOTATOR_MAX_CONTENT_LENGTH", "2000")
    monkeypatch.setenv("ANNOTATOR_WTF_CSRF_TIME_LIMIT", "200")
    monkeypatch.setenv("ANNOTATOR_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("ANNOTATOR_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    app = _app(WTF_CSRF_TIME_LIMIT=300, SECRET_KEY="given")
    assert app.instance_path == str(instance)
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"  # default, set nowhere else
    assert app.config["LEASE_MINUTES"] == 20  # the file over the default
    assert app.config["MAX_CONTENT_LENGTH"] == 2000  # the environment over the file, as JSON
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 300  # create_app's dict over everything
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'env.db'}"  # not JSON: text
    assert app.config["SECRET_KEY"] == "given"
    assert "lowercase_is_ignored" not in app.config
    assert not (instance / "secret_key").exists()


def test_defaults_derived_from_the_instance_folder(tmp_path):
    instance = tmp_path / "inst"
    app = _app(INSTANCE_PATH=str(instance))
    assert app.instance_path == str(instance)
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'annotator.db'}"
    assert app.config["EXPORT_DIR"] == str(tmp_path / "export")
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip() and len(app.secret_key) >= 32
    assert _app(INSTANCE_PATH=str(instance)).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_a_relative_instance_path_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANNOTATOR_INSTANCE_PATH", "here")
    app = _app(SECRET_KEY="s")
    assert app.instance_path == str(tmp_path / "here")


def test_a_checkout_uses_the_repository_instance_folder(tmp_path):
    if not (PACKAGE.parent / "pyproject.toml").exists():
        pytest.skip("annotator is installed, not run from a checkout")
    app = _app(SECRET_KEY="s", DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}")
    assert app.instance_path == str(PACKAGE.parent / "instance")
    assert app.config["EXPORT_DIR"] == str(PACKAGE.parent / "export")


def test_an_installed_package_keeps_its_instance_outside_site_packages(tmp_path):
    """The package copied where pip installs a wheel in a virtualenv at tmp_path."""
    purelib = tmp_path / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    shutil.copytree(PACKAGE, purelib / "annotator", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATOR_")}
    env["PYTHONPATH"] = str(purelib)
    code = ("import annotator; app = annotator.create_app(); "
            "print(annotator.__file__); print(app.instance_path); print(app.config['DATABASE_URL'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    imported, instance, url = out[-3:]
    assert Path(imported).parent == purelib / "annotator"  # the copy, not the checkout
    assert "site-packages" not in Path(instance).parts
    assert Path(instance) == tmp_path / "var" / "annotator-instance"
    assert (Path(instance) / "secret_key").exists()
    assert url == f"sqlite:///{Path(instance) / 'annotator.db'}"


def test_python_dash_m_runs_the_command_line():
    """`python -m annotator` (and `-m annotator.cli`) is the `annotator` script."""
    for module in ("annotator", "annotator.cli"):
        out = subprocess.run([sys.executable, "-m", module, "--help"], check=True,
                             capture_output=True, text=True).stdout
        assert out.startswith("Usage: annotator") and "export" in out, module


def test_the_tests_run_with_the_network_off():
    """A connection anywhere but this machine fails at once (tests/conftest.py network_off)."""
    import socket

    import pytest

    with pytest.raises(OSError, match="network off"):
        socket.create_connection(("203.0.113.7", 80), timeout=1)  # TEST-NET-3, never routed
    with socket.socket() as s:  # this machine is still reachable (the database, the app)
        s.bind(("127.0.0.1", 0))
        s.listen()
        socket.create_connection(s.getsockname(), timeout=1).close()
