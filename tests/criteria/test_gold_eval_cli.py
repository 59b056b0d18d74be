"""`trialscout eval criteria` on a 3-trial mini gold set in a tmp folder."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from typer.testing import CliRunner

import trialscout.criteria.evaluate as ev
from trialscout.cli.main import app
from trialscout.criteria.atoms import Atom, Criterion, ParsedCriteria, UnparsedAtom

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "criteria_gold"
MINI = ["NCT07332247", "NCT07062484", "NCT07188584"]
_ATOM: TypeAdapter[Any] = TypeAdapter(Atom)


def _oracle(gold_dir: Path) -> ev.ParseFn:
    """A stand-in parser that returns exactly the gold atoms (what a perfect parser does)."""
    by_text = {t.source_text: t for t in ev.load_gold(gold_dir)}

    def parse(text: str, nct_id: str | None = None) -> ParsedCriteria:
        trial = by_text.get(text)
        if trial is None:
            return ParsedCriteria(
                nct_id=nct_id,
                parser_version="oracle",
                criteria=[
                    Criterion(
                        id="inc-1",
                        kind="inclusion",
                        text=text,
                        span=(0, len(text)),
                        expr=UnparsedAtom(text=text),
                        fully_parsed=False,
                    )
                ],
            )
        crits = []
        for c in trial.criteria:
            if c.heading:
                continue
            atoms = [_ATOM.validate_python(a) for a in c.atoms]
            expr: Any = atoms[0] if len(atoms) == 1 else {"type": "and", "args": atoms}
            crits.append(
                Criterion(
                    id=c.id,
                    kind=c.kind,
                    text=c.text,
                    span=c.span,
                    expr=expr,
                    fully_parsed=c.fully_parseable,
                )
            )
        return ParsedCriteria(nct_id=nct_id, parser_version="oracle", criteria=crits)

    return parse


@pytest.fixture
def mini_gold(tmp_path: Path) -> Path:
    d = tmp_path / "gold"
    d.mkdir()
    for n in MINI:
        shutil.copy(GOLD / f"{n}.json", d / f"{n}.json")
    return d


@pytest.fixture
def oracle(mini_gold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parse = _oracle(mini_gold)
    monkeypatch.setattr(ev, "default_parser", lambda: (parse, "oracle"))


def _corpus(tmp_path: Path) -> Path:
    p = tmp_path / "texts.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["nctid", "phase", "diseases", "drugs", "criteria"])
        w.writerow(["NCT1", "phase 2", "['lung cancer']", "[]", "Age >= 18"])
        w.writerow(["NCT2", "phase 3", "['asthma']", "[]", "Age >= 12"])
    return p


def test_cli_json_perfect_parser(mini_gold: Path, oracle: None, tmp_path: Path) -> None:
    out = tmp_path / "res" / "eval.json"
    r = CliRunner().invoke(
        app,
        ["eval", "criteria", "--gold", str(mini_gold), "--format", "json", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["gold"]["trials"] == 3
    assert data["gold"]["micro"]["f1"] == 1.0
    assert data["gold"]["per_type"]["lab"]["support"] > 0
    assert data["corpus_skipped"] == "no --corpus given"
    assert json.loads(out.read_text()) == data


def test_cli_text_with_corpus(mini_gold: Path, oracle: None, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app, ["eval", "criteria", "--gold", str(mini_gold), "--corpus", str(_corpus(tmp_path))]
    )
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "micro (all)" in text
    assert "target >= 0.9: met" in text
    assert "oncology subset: 1 trials, 1 criteria, fully parsed 0.0%" in text


def test_cli_missing_corpus_is_skipped(mini_gold: Path, oracle: None, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app,
        ["eval", "criteria", "--gold", str(mini_gold), "--corpus", str(tmp_path / "nope.csv")],
    )
    assert r.exit_code == 0, r.output
    text = "".join(r.output.split())
    assert "corpus:skipped" in text and "nope.csvnotfound" in text


def test_cli_bad_gold_folder_names_it(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["eval", "criteria", "--gold", str(tmp_path / "none")])
    assert r.exit_code == 2
    assert "gold folder not found" in r.output


def test_cli_with_real_parser(mini_gold: Path) -> None:
    pytest.importorskip("trialscout.criteria.parser")
    r = CliRunner().invoke(app, ["eval", "criteria", "--gold", str(mini_gold), "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["gold"]["parse_failures"] == []
    assert 0.0 <= data["gold"]["micro"]["f1"] <= 1.0


def test_cli_several_gold_folders_score_as_one_set(
    mini_gold: Path, oracle: None, tmp_path: Path
) -> None:
    """Repeated --gold folders are scored together; a trial in two folders is an error."""
    second = tmp_path / "gold2"
    second.mkdir()
    moved = sorted(mini_gold.glob("*.json"))[0]
    shutil.move(moved, second / moved.name)
    args = ["eval", "criteria", "--gold", str(mini_gold), "--gold", str(second)]
    r = CliRunner().invoke(app, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["gold"]["trials"] == 3
    shutil.copy(second / moved.name, mini_gold / moved.name)
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2
    assert f"{moved.stem}: in more than one --gold folder" in " ".join(r.output.split())
