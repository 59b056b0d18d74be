"""The bundled demo archive: layout, size, verbatim records, and the selection rule."""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
DEMO_ZIP = ROOT / "src" / "trialscout" / "demo" / "ctgov-sample.zip"
SCRIPT = ROOT / "scripts" / "build_demo_data.py"
NAME_RE = re.compile(r"^(NCT\d{4})xxxx/(NCT\d{8})\.xml$")


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_demo_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look the module up while building classes
    spec.loader.exec_module(mod)
    return mod


def _demo_ids() -> set[str]:
    with zipfile.ZipFile(DEMO_ZIP) as zf:
        return {Path(n).stem for n in zf.namelist()}


def test_demo_zip_layout_size_and_records() -> None:
    assert DEMO_ZIP.stat().st_size < 3_000_000
    with zipfile.ZipFile(DEMO_ZIP) as zf:
        infos = zf.infolist()
        assert 300 <= len(infos) <= 400
        for info in infos:
            m = NAME_RE.match(info.filename)
            assert m, info.filename
            assert m.group(2).startswith(m.group(1))
            assert info.compress_type == zipfile.ZIP_DEFLATED
            root = etree.fromstring(zf.read(info))
            assert root.tag == "clinical_study"
            assert root.findtext("id_info/nct_id") == m.group(2), info.filename


def test_demo_zip_keeps_npc_and_head_and_neck() -> None:
    b = _builder()
    npc = hn = 0
    with zipfile.ZipFile(DEMO_ZIP) as zf:
        for info in zf.infolist():
            root = etree.fromstring(zf.read(info))
            s = b.StudyInfo(
                member=info.filename,
                nct_id=root.findtext("id_info/nct_id"),
                size=info.file_size,
                status=root.findtext("overall_status") or "",
                fields=[(e.text or "") for e in root.iter("condition", "keyword", "mesh_term")]
                + [root.findtext("brief_title") or ""],
            )
            npc += b.is_npc(s)
            hn += (not b.is_npc(s)) and b.is_head_neck(s)
    assert npc >= 50
    assert hn >= 50


def test_demo_rule_regexes_tell_cancer_from_lookalikes() -> None:
    b = _builder()

    def info(*fields: str) -> object:
        return b.StudyInfo(member="x", nct_id="NCT00000001", size=1, status="", fields=list(fields))

    assert b.is_npc(info("carcinoma of the nasopharynx"))
    assert b.is_npc(info("Nasopharyngeal Neoplasms"))
    assert not b.is_npc(info("Pneumococcal nasopharyngeal carriage"))
    assert b.is_head_neck(info("stage III squamous cell carcinoma of the lip and oral cavity"))
    assert b.is_head_neck(info("Laryngeal Neoplasm"))
    assert not b.is_head_neck(info("Phase I Study of Oral Topotecan in Solid Tumors"))
    assert not b.is_head_neck(info("Laryngeal mask airway"))


@pytest.mark.shared
def test_demo_zip_matches_the_rule_on_the_source(shared_data: Path, tmp_path: Path) -> None:
    """Recompute the selection from the shared source: every NPC study is in the demo."""
    b = _builder()
    src = shared_data / "ctgov" / "AllPublicXML-sample.zip"
    studies = list(b.read_studies(src))
    npc_in_source = {s.nct_id for s in studies if b.is_npc(s)}
    assert len(npc_in_source) >= 55  # data/README.md: ~60 mention NPC
    demo = _demo_ids()
    assert npc_in_source <= demo, sorted(npc_in_source - demo)
    sel = b.select(studies)
    assert {s.nct_id for s in sel.npc} == npc_in_source
    assert {s.nct_id for s in sel.all} == demo
    # Deterministic: a rebuild gives the same bytes as the bundled archive.
    out = tmp_path / "again.zip"
    assert b.main(["--zip", str(src), "--out", str(out)]) == 0
    assert out.read_bytes() == DEMO_ZIP.read_bytes()
