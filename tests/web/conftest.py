"""A store built from the bundled demo data, once per test session, and an app over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trialscout.registry.ingest import demo_paths, ingest_paths
from trialscout.store import Store

SEED = "NCT07332247"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "demo.db"
    with Store.open(path) as store:
        summary = ingest_paths(demo_paths(), store, progress=False)
        assert summary.failed == 0
    return path


@pytest.fixture(scope="session")
def client(demo_db: Path) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from trialscout.web.app import create_app

    with TestClient(create_app(str(demo_db)), raise_server_exceptions=False) as c:
        yield c
