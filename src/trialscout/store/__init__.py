"""The trial store. See docs/CONTRACTS.md ("store")."""

from __future__ import annotations

from trialscout.store.db import BatchResult, Store

__all__ = ["BatchResult", "Store"]
