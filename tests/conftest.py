"""Fixtures every test area shares."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def fixtures() -> Path:
    """Small records copied into the repository (sources noted in tests/fixtures/README.md)."""
    return FIXTURES


@pytest.fixture
def shared_data() -> Path:
    """`../shared/data`, for tests that need the big reference data; skipped on a bare clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite store file per test."""
    return tmp_path / "store.db"
