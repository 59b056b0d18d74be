"""Odd input is parsed or reported, never a crash; cache and CLI round trips."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trialscout.criteria.atoms import ParsedCriteria, iter_atoms
from trialscout.criteria.cache import get_or_parse
from trialscout.criteria.parser import PARSER_VERSION, parse_criteria
from trialscout.registry.model import Eligibility, Trial


def test_empty_and_none() -> None:
    for t in ("", "   ", None):
        p = parse_criteria(t)
        assert p.criteria == [] and p.warnings


def test_nonsense_is_unparsed_not_dropped() -> None:
    p = parse_criteria("- Blorf zintak quuxes the frobnicator\n- @@@ ### !!!")
    assert len(p.criteria) == 2
    assert p.criteria[0].expr.type == "unparsed" and not p.criteria[0].fully_parsed


def test_big_text_and_unicode_soup() -> None:
    chunk = (
        "- ANC ≥ 1.5 × 10⁹/L and ((((( AST <<<<>>>> 3 x x x ULN "
        "\u00a0\u200b “” &bogus; &#99999999;\n"
    )
    text = "Inclusion Criteria:\n" + chunk * 1300
    assert len(text) > 100_000
    p = parse_criteria(text)
    assert len(p.criteria) == 1300
    assert all(text[c.span[0] : c.span[1]] == c.text for c in p.criteria)
    one_line = "x " * 60_000  # one 120 KB criterion without structure
    q = parse_criteria(one_line)
    assert len(q.criteria) == 1


def test_partial_parse_keeps_atoms_and_marks_leftover() -> None:
    p = parse_criteria(
        "Exclusion Criteria:\n- HIV infection or zorblatt syndrome of the flux capacitor"
    )
    atoms = iter_atoms(p.criteria[0].expr)
    assert {a.type for a in atoms} == {"infection", "unparsed"}
    assert not p.criteria[0].fully_parsed


class _MemoryStore:
    """The two store methods get_or_parse needs, recording writes."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, str]] = {}
        self.writes = 0

    def put_criteria(self, nct_id: str, parser_version: str, payload_json: str) -> None:
        self.rows[nct_id] = (parser_version, payload_json)
        self.writes += 1

    def get_criteria(self, nct_id: str) -> tuple[str, str] | None:
        return self.rows.get(nct_id)


def _trial(text: str) -> Trial:
    return Trial(nct_id="NCT07332247", eligibility=Eligibility(criteria=text))


def test_cache_reparses_only_on_version_change(fixtures: Path) -> None:
    text = (fixtures / "criteria" / "NCT07332247.txt").read_text(encoding="utf-8")
    store = _MemoryStore()
    first = get_or_parse(store, _trial(text))
    assert store.writes == 1 and first.parser_version == PARSER_VERSION
    again = get_or_parse(store, _trial(text))
    assert store.writes == 1 and again == first
    store.rows["NCT07332247"] = ("0.0.0-old", store.rows["NCT07332247"][1])
    get_or_parse(store, _trial(text))
    assert store.writes == 2 and store.rows["NCT07332247"][0] == PARSER_VERSION


def test_cache_with_real_store(tmp_path: Path, fixtures: Path) -> None:
    from trialscout.store import Store

    text = (fixtures / "criteria" / "NCT07062484.txt").read_text(encoding="utf-8")
    from trialscout.registry.sources import RawRecord

    trial = Trial(nct_id="NCT07062484", eligibility=Eligibility(criteria=text))
    with Store.open(str(tmp_path / "s.db")) as store:
        store.upsert_batch([(trial, RawRecord("test", "ctgov-json-v2", b"{}"))])
        p = get_or_parse(store, trial)
        got = store.get_criteria("NCT07062484")
    assert got is not None and got[0] == PARSER_VERSION
    assert ParsedCriteria.model_validate_json(got[1]) == p


def test_cli_text_json_and_summary(tmp_path: Path, fixtures: Path) -> None:
    from trialscout.cli.main import app

    runner = CliRunner()
    src = fixtures / "criteria" / "NCT07332247.txt"
    res = runner.invoke(app, ["criteria", "--text", str(src), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["parser_version"] == PARSER_VERSION
    assert data["criteria"][0]["expr"]["type"] == "age"
    res2 = runner.invoke(app, ["criteria", "--text", str(src)])
    assert res2.exit_code == 0
    assert "performance status" in res2.output and "inc-5" in res2.output
    res3 = runner.invoke(app, ["criteria", "--text", "-"], input="- HIV infection\n")
    assert res3.exit_code == 0 and "infection" in res3.output
    res4 = runner.invoke(app, ["criteria", "--text", str(tmp_path / "missing.txt")])
    assert res4.exit_code == 2
