"""Run the packaged alembic migrations on a live connection (no alembic.ini needed)."""

from __future__ import annotations

from sqlalchemy import Connection

from trialscout.store.migrations import SCRIPT_LOCATION


def _config(conn: Connection | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def upgrade(conn: Connection, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_config(conn), revision)


def script_head() -> str | None:
    """The newest revision in the scripts (tests compare it with `migrations.HEAD`)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()
