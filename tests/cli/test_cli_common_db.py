"""Which store a command opens: --db, then $TRIALSCOUT_DB (kept verbatim), then the default."""

from __future__ import annotations

import pytest

from trialscout.cli.common import resolve_db


def test_db_option_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALSCOUT_DB", "/tmp/env.db")
    assert resolve_db("/tmp/flag.db") == "/tmp/flag.db"


def test_env_url_is_not_mangled(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/trialscout"
    monkeypatch.setenv("TRIALSCOUT_DB", url)
    assert resolve_db(None) == url


def test_default_under_xdg_data_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIALSCOUT_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/data")
    assert resolve_db(None) == "/srv/data/trialscout/trialscout.db"
