#!/usr/bin/env python3
"""Build the bundled demo subset (`src/trialscout/demo/ctgov-sample.zip`) from AllPublicXML.

The demo must show the product's focus (nasopharyngeal and head-and-neck cancer) on a
fresh install without a network, so the rule keeps EVERY NPC and head-and-neck study of
the source archive and adds a fixed spread of other cancers. The rule is deterministic
(no randomness, stable hashing, fixed zip timestamps): running it twice gives the same
bytes, and `tests/registry/test_demo_zip.py` recomputes the selection to check it.

Usage:
    python scripts/build_demo_data.py --zip ../shared/data/ctgov/AllPublicXML-sample.zip \
        --out src/trialscout/demo/ctgov-sample.zip
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

# A study is oncology when any of its conditions, keywords, condition MeSH terms or titles
# names a cancer.
ONCOLOGY_RE = re.compile(
    r"cancer|carcinoma|neoplas|tumou?r|malignan|leuka?emi|lymphoma|myeloma|sarcoma|melanoma"
    r"|glioma|blastoma|metasta|oncolog|mesothelioma|myelodysplas",
    re.IGNORECASE,
)
# Nasopharyngeal carcinoma: the site word next to a cancer word ("nasopharyngeal cancer",
# "carcinoma of the nasopharynx", MeSH "Nasopharyngeal Neoplasms") or the NPC acronym.
# "nasopharyngeal" alone is not enough: vaccine trials talk of nasopharyngeal carriage.
NPC_RE = re.compile(
    r"nasopharyn\w*\s+(cancer|carcinoma|neoplasm|tumou?r|malignan|lymphoepithelioma)"
    r"|(cancer|carcinoma|neoplasms?|tumou?rs?) of the nasopharynx|\bNPC\b",
    re.IGNORECASE,
)
# Head and neck sites. A field must name both a site and a cancer word, so "oral
# topotecan" or "laryngeal mask" never count.
HEAD_NECK_RE = re.compile(
    r"head and neck|head & neck|\bHNSCC\b|\bSCCHN\b|pharyn|laryn|oral cavity"
    r"|\boral (cancer|carcinoma|squamous|neoplasm)|mouth (cancer|neoplasm)|salivary|parotid"
    r"|tongue|\blip\b|tonsil|paranasal|nasal cavity|sinonasal|esthesioneuroblastoma|gingiva"
    r"|buccal",
    re.IGNORECASE,
)
# The spread of other cancers, in this order (a study counts for the first that matches).
OTHER_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("lung", r"lung|non-small cell|small cell|bronch|mesothelioma"),
    ("breast", r"breast"),
    ("colorectal", r"colorectal|colon|rectal|rectum"),
    ("prostate", r"prostat"),
    ("pancreas", r"pancrea"),
    ("gastric-esophageal", r"gastric|stomach|esophag|oesophag"),
    ("liver-biliary", r"liver|hepatocellular|hepatoma|biliary|cholangio|gallbladder"),
    ("ovary", r"ovar|fallopian|peritoneal"),
    ("cervix-uterus", r"cervi|endometri|uter"),
    ("bladder-kidney", r"bladder|urothelial|renal|kidney"),
    ("melanoma-skin", r"melanoma|skin"),
    ("brain", r"brain|glio|astrocytoma|medulloblastoma|ependymoma|meningioma"),
    ("lymphoma", r"lymphoma|hodgkin"),
    ("leukemia-mds", r"leuka?emi|myelodysplas"),
    ("myeloma", r"myeloma"),
    ("sarcoma", r"sarcoma"),
    ("thyroid", r"thyroid"),
    ("pediatric-solid", r"neuroblastoma|wilms|retinoblastoma|germ cell"),
)
PER_CATEGORY = 13
# Studies still open (or about to report) go in first, then the spread by stable hash.
OPEN_STATUSES = (
    "Recruiting",
    "Not yet recruiting",
    "Enrolling by invitation",
    "Active, not recruiting",
)
# Very large closed records (hundreds of sites) are kept only when NPC or head-and-neck;
# open ones always go in.
MAX_OTHER_BYTES = 120_000
# Open oncology studies that fit none of the categories above.
OPEN_UNCATEGORISED = "other-open"


@dataclass
class StudyInfo:
    """What the rule needs from one XML study."""

    member: str
    nct_id: str
    size: int
    status: str
    fields: list[str] = field(default_factory=list)
    title: str = ""


@dataclass
class Selection:
    npc: list[StudyInfo]
    head_neck: list[StudyInfo]
    other: dict[str, list[StudyInfo]]

    @property
    def all(self) -> list[StudyInfo]:
        out = self.npc + self.head_neck + [s for v in self.other.values() for s in v]
        return sorted(out, key=lambda s: s.nct_id)


def _texts(root: etree._Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in root.findall(path)]


def read_studies(zip_path: Path) -> Iterator[StudyInfo]:
    """Every XML study in the archive with the fields the rule looks at."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".xml"):
                continue
            try:
                root = etree.fromstring(zf.read(info))
            except etree.XMLSyntaxError as exc:
                print(f"skip {zip_path.name}:{info.filename}: not XML ({exc})", file=sys.stderr)
                continue
            nct = (root.findtext("id_info/nct_id") or "").strip()
            if not nct:
                print(f"skip {zip_path.name}:{info.filename}: no id_info/nct_id", file=sys.stderr)
                continue
            title = " | ".join(
                t for t in (root.findtext("brief_title"), root.findtext("official_title")) if t
            )
            fields = (
                _texts(root, "condition")
                + _texts(root, "keyword")
                + _texts(root, "condition_browse/mesh_term")
                + [title]
            )
            yield StudyInfo(
                member=info.filename,
                nct_id=nct,
                size=info.file_size,
                status=(root.findtext("overall_status") or "").strip(),
                fields=fields,
                title=title,
            )


def is_oncology(s: StudyInfo) -> bool:
    return any(ONCOLOGY_RE.search(f) for f in s.fields)


def is_npc(s: StudyInfo) -> bool:
    return any(NPC_RE.search(f) for f in s.fields)


def is_head_neck(s: StudyInfo) -> bool:
    return any(HEAD_NECK_RE.search(f) and ONCOLOGY_RE.search(f) for f in s.fields)


def category(s: StudyInfo) -> str | None:
    for name, pattern in OTHER_CATEGORIES:
        if any(re.search(pattern, f, re.IGNORECASE) for f in s.fields):
            return name
    return None


def _spread_key(s: StudyInfo) -> tuple[int, str]:
    """Open studies first, then a stable pseudo-random order (sha1 of the NCT ID)."""
    open_rank = 0 if s.status in OPEN_STATUSES else 1
    return (open_rank, hashlib.sha1(s.nct_id.encode()).hexdigest())


def select(studies: list[StudyInfo]) -> Selection:
    """The demo rule: every NPC study, every head-and-neck study, a spread of the rest."""
    seen: set[str] = set()
    npc: list[StudyInfo] = []
    head_neck: list[StudyInfo] = []
    rest: dict[str, list[StudyInfo]] = {name: [] for name, _ in OTHER_CATEGORIES}
    rest[OPEN_UNCATEGORISED] = []
    for s in sorted(studies, key=lambda s: s.nct_id):
        if s.nct_id in seen:
            continue
        seen.add(s.nct_id)
        if is_npc(s):
            npc.append(s)
        elif is_head_neck(s):
            head_neck.append(s)
        elif is_oncology(s):
            is_open = s.status in OPEN_STATUSES
            cat = category(s) or (OPEN_UNCATEGORISED if is_open else None)
            if cat is not None and (is_open or s.size <= MAX_OTHER_BYTES):
                rest[cat].append(s)
    other: dict[str, list[StudyInfo]] = {}
    for name, candidates in rest.items():
        ordered = sorted(candidates, key=_spread_key)
        keep = [s for s in ordered if s.status in OPEN_STATUSES]
        keep += [s for s in ordered if s.status not in OPEN_STATUSES][
            : max(0, PER_CATEGORY - len(keep))
        ]
        other[name] = sorted(keep, key=lambda s: s.nct_id)
    return Selection(npc=npc, head_neck=head_neck, other=other)


def archive_name(nct_id: str) -> str:
    """The AllPublicXML layout: `NCT0123xxxx/NCT01234567.xml`."""
    return f"{nct_id[:7]}xxxx/{nct_id}.xml"


def write_zip(src: Path, out: Path, chosen: list[StudyInfo]) -> None:
    """Verbatim XML bytes, sorted names, fixed timestamps: the same input gives the same bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for s in sorted(chosen, key=lambda s: s.nct_id):
            info = zipfile.ZipInfo(archive_name(s.nct_id), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(
                info, zin.read(s.member), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9
            )
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--zip", required=True, type=Path, help="AllPublicXML-style source archive")
    ap.add_argument("--out", required=True, type=Path, help="demo archive to write")
    args = ap.parse_args(argv)
    if not args.zip.is_file():
        print(f"error: {args.zip}: no such file", file=sys.stderr)
        return 2
    studies = list(read_studies(args.zip))
    sel = select(studies)
    chosen = sel.all
    write_zip(args.zip, args.out, chosen)
    statuses = Counter(s.status for s in chosen)
    print(f"read {len(studies)} studies from {args.zip}")
    print(f"npc: {len(sel.npc)}  head-and-neck (non-NPC): {len(sel.head_neck)}")
    print("other: " + ", ".join(f"{k} {len(v)}" for k, v in sel.other.items()))
    print(f"total: {len(chosen)}  by status: {dict(sorted(statuses.items()))}")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
