"""Errors that name the record and the field, so one bad record is reported and skipped."""

from __future__ import annotations


class RecordError(Exception):
    """A record could not be read. `source` names the file (or archive member)."""

    def __init__(
        self,
        source: str,
        message: str,
        *,
        field: str | None = None,
        nct_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.message = message
        self.field = field
        self.nct_id = nct_id

    def __str__(self) -> str:
        where = self.source
        if self.nct_id and self.nct_id not in where:
            where += f" ({self.nct_id})"
        if self.field:
            return f"{where}: field '{self.field}': {self.message}"
        return f"{where}: {self.message}"
