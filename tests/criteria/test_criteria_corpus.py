"""Every text of the shared corpus parses without an exception (slow: about a minute)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from lxml import etree

from trialscout.criteria.parser import parse_criteria


def test_whole_corpus_parses(shared_data: Path) -> None:
    csv.field_size_limit(10**9)
    n = 0
    with (shared_data / "criteria" / "eligibility-texts.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = row["criteria"] or ""
            p = parse_criteria(text, row["nctid"])
            assert not [w for w in p.warnings if "parser error" in w], row["nctid"]
            for c in p.criteria:
                assert text[c.span[0] : c.span[1]] == c.text
            n += 1
    assert n == 4868
    m = 0
    with zipfile.ZipFile(shared_data / "ctgov" / "AllPublicXML-sample.zip") as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            root = etree.fromstring(z.read(name))
            tb = root.find("eligibility/criteria/textblock")
            text = tb.text if tb is not None and tb.text else ""
            p = parse_criteria(text, Path(name).stem)
            assert not [w for w in p.warnings if "parser error" in w], name
            m += 1
    assert m > 6000
