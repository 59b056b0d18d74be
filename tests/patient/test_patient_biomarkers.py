"""mCODE TumorMarkerTest and genomic variant observations -> profile biomarkers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from trialscout.criteria.atoms import BiomarkerAtom
from trialscout.match.engine import evaluate
from trialscout.match.evaluators.common import Ctx
from trialscout.match.policy import MatchPolicy
from trialscout.patient.fhir import profile_from_bundle

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"


def _obs(oid: str, **body: Any) -> dict[str, Any]:
    return {
        "fullUrl": f"urn:uuid:{oid}",
        "resource": {"resourceType": "Observation", "id": oid, "status": "final", **body},
    }


def _bundle() -> dict[str, Any]:
    patient = {
        "fullUrl": "urn:uuid:p1",
        "resource": {
            "resourceType": "Patient",
            "id": "p1",
            "gender": "female",
            "birthDate": "1970-01-01",
        },
    }
    pdl1 = _obs(
        "o1",
        meta={"profile": [MCODE + "mcode-tumor-marker-test"]},
        code={
            "coding": [{"system": "http://loinc.org", "code": "83052-3"}],
            "text": "PD-L1 combined positive score (22C3)",
        },
        valueQuantity={"value": 15, "unit": "score"},
        effectiveDateTime="2023-05-01",
    )
    egfr = _obs(
        "o2",
        meta={"profile": [MCODE + "mcode-genomic-variant"]},
        code={"coding": [{"system": "http://loinc.org", "code": "69548-6"}]},
        valueCodeableConcept={
            "coding": [{"system": "http://loinc.org", "code": "LA9633-4", "display": "Present"}]
        },
        component=[
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "48018-6"}]},
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "http://www.genenames.org/geneId",
                            "code": "HGNC:3236",
                            "display": "EGFR",
                        }
                    ]
                },
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "48005-3"}]},
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "http://varnomen.hgvs.org",
                            "code": "p.Leu858Arg",
                            "display": "p.Leu858Arg",
                        }
                    ]
                },
            },
        ],
    )
    alk = _obs(
        "o3",
        meta={"profile": [MCODE + "mcode-genomic-variant"]},
        code={"coding": [{"system": "http://loinc.org", "code": "69548-6"}]},
        valueCodeableConcept={
            "coding": [{"system": "http://loinc.org", "code": "LA9634-2", "display": "Absent"}]
        },
        component=[
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "48018-6"}]},
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "http://www.genenames.org/geneId",
                            "code": "HGNC:427",
                            "display": "ALK",
                        }
                    ]
                },
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "48019-4"}]},
                "valueCodeableConcept": {
                    "coding": [{"code": "SO:0001565", "display": "gene fusion"}]
                },
            },
        ],
    )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": "2024-01-01T00:00:00Z",
        "entry": [patient, pdl1, egfr, alk],
    }


def test_tumor_marker_and_variants_convert() -> None:
    p, _warnings = profile_from_bundle(_bundle())
    bms = {(b.name or b.gene): b for b in p.biomarkers}
    pd = bms["PD-L1"]
    assert (pd.score, pd.value, pd.assay) == ("CPS", 15, "22C3")
    eg = bms["EGFR"]
    assert (eg.alteration, eg.kind, eg.result) == ("p.Leu858Arg", "mutation", "detected")
    alk = bms["ALK"]
    assert (alk.kind, alk.result) == ("fusion", "not detected")


def test_converted_profile_matches_biomarker_criteria() -> None:
    p, _warnings = profile_from_bundle(_bundle())
    ctx = Ctx(p, MatchPolicy())
    l858r = BiomarkerAtom(marker="EGFR", gene="EGFR", alteration="L858R", result="positive")
    assert evaluate(l858r, ctx).value is True  # p.Leu858Arg is L858R
    alk = BiomarkerAtom(marker="ALK", gene="ALK", kind="fusion", result="positive")
    assert evaluate(alk, ctx).value is False
    cps = BiomarkerAtom(marker="PD-L1", score="CPS", comparator=">=", value=10)
    tps = BiomarkerAtom(marker="PD-L1", score="TPS", comparator=">=", value=1)
    assert evaluate(cps, ctx).value is True
    assert evaluate(tps, ctx).value is None  # a CPS is not a TPS
    assert p.as_of == dt.date(2024, 1, 1)
