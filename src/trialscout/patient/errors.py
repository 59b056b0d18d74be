"""The error every patient-input problem raises: it names the file and the field path."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class ProfileError(ValueError):
    """Patient input could not be read. `str()` names the file, the field path and the problem.

    `problems` holds every (field, message) pair when validation found several.
    """

    def __init__(
        self,
        source: str,
        message: str,
        *,
        field: str | None = None,
        problems: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.message = message
        self.field = field
        self.problems = problems or ([(field, message)] if field else [])

    def __str__(self) -> str:
        if len(self.problems) > 1:
            lines = [f"{self.source}: {len(self.problems)} problems"]
            lines += [f"  field '{f}': {m}" for f, m in self.problems]
            return "\n".join(lines)
        if self.field:
            return f"{self.source}: field '{self.field}': {self.message}"
        return f"{self.source}: {self.message}"


def field_path(loc: tuple[Any, ...]) -> str:
    """('labs', 1, 'value') -> 'labs[1].value'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _describe(err: Any) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown field (not in the patient profile schema; check the spelling)"
    if kind == "missing":
        return "required field is missing"
    msg = msg.removeprefix("Value error, ")
    found = err.get("input")
    if kind not in ("value_error",) and not isinstance(found, dict | list):
        msg += f" (found {found!r})"
    return msg


def from_validation(source: str, exc: ValidationError) -> ProfileError:
    """A pydantic ValidationError -> ProfileError naming each field path."""
    problems = [(field_path(tuple(e["loc"])), _describe(e)) for e in exc.errors()]
    first_field, first_msg = problems[0]
    return ProfileError(source, first_msg, field=first_field, problems=problems)
