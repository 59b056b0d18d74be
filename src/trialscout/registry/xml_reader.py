"""Classic ClinicalTrials.gov XML (``<clinical_study>``, AllPublicXML) -> Trial.

Each document is small, so it is parsed whole with ``lxml.etree.fromstring`` and read in
one pass over the root's children (faster than one XPath per field). The XML's wording
("Parallel Assignment", "Phase 1/Phase 2", "U.S. Fed") is mapped onto the API v2 enum
words through ``data/ctgov_vocab.json``; textblocks are re-flowed into the API v2 text
shape so both formats give the same text.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from trialscout.registry._common import (
    build_trial,
    check_nct_id,
    parse_age,
    parse_xml_date,
    std_ages,
    vocab,
    xml_map,
)
from trialscout.registry.errors import RecordError
from trialscout.registry.model import Trial
from trialscout.registry.textblock import reflow_textblock

SOURCE_FORMAT = "ctgov-xml"

# No entity expansion or network (XXE-safe); comments, PIs and indentation-only text nodes
# are dropped at parse time, which makes the tree smaller and the parse ~20% faster.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    remove_comments=True,
    remove_pis=True,
    remove_blank_text=True,
    collect_ids=False,
)
_MASKING = re.compile(r"^([^()]+?)\s*(?:\(([^()]*)\))?$")
# pre-2017 records put the design in one line: "Allocation: Randomized, Masking: Double Blind
# (Subject, Investigator), Primary Purpose: Treatment"
_OLD_DESIGN_KEY = re.compile(r"(?:^|,\s*)([A-Z][A-Za-z ]+):\s*")
_OLD_DESIGN_FIELDS = {
    "Allocation": "allocation",
    "Intervention Model": "intervention_model",
    "Primary Purpose": "primary_purpose",
    "Masking": "masking",
    "Observational Model": "observational_model",
    "Time Perspective": "time_perspective",
}
_El = etree._Element
_ADDRESS_KEYS = frozenset(("city", "state", "zip", "country"))


def _text(el: _El | None) -> str | None:
    if el is None:
        return None
    t = el.text
    if t is None:
        return None
    t = t.strip()
    return t or None


def _child_text(el: _El, tag: str) -> str | None:
    return _text(el.find(tag))


def _fields(el: _El) -> dict[str, str]:
    """Child tag -> stripped text (first non-empty one), in one pass."""
    out: dict[str, str] = {}
    for c in el:
        t = c.text
        if t is not None and c.tag not in out:
            t = t.strip()
            if t:
                out[c.tag] = t
    return out


def _children_text(el: _El, tag: str) -> list[str]:
    out = []
    for c in el.iterchildren(tag):
        t = _text(c)
        if t:
            out.append(t)
    return out


def trial_from_xml(payload: bytes, source: str) -> Trial:
    """Read one ``<clinical_study>`` document; raises RecordError naming the source and field."""
    try:
        root = etree.fromstring(payload, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RecordError(source, f"malformed XML: {exc}") from None
    except ValueError as exc:  # e.g. a str with an encoding declaration
        raise RecordError(source, f"unreadable XML: {exc}") from None
    if root is None:
        raise RecordError(source, "empty XML document")
    tag = etree.QName(root).localname if isinstance(root.tag, str) else str(root.tag)
    if tag != "clinical_study":
        hint = " (a search-results feed, not a study)" if tag == "rss" else ""
        raise RecordError(
            source,
            f"not a ClinicalTrials.gov study: root element <{tag}>, "
            f"expected <clinical_study>{hint}",
        )
    return _XmlStudy(root, source).trial()


class _XmlStudy:
    """One document being read; holds the root's children grouped by tag."""

    def __init__(self, root: _El, source: str) -> None:
        self.source = source
        self.nct_id: str | None = None
        kids: dict[str, list[_El]] = {}
        for el in root:
            tag = el.tag
            if isinstance(tag, str):
                kids.setdefault(tag, []).append(el)
        self.kids = kids

    # -- small helpers -------------------------------------------------------------------
    def first(self, tag: str) -> _El | None:
        els = self.kids.get(tag)
        return els[0] if els else None

    def text(self, tag: str) -> str | None:
        return _text(self.first(tag))

    def texts(self, tag: str) -> list[str]:
        return [t for t in (_text(el) for el in self.kids.get(tag, ())) if t]

    def textblock(self, el: _El | None) -> str | None:
        if el is None:
            return None
        tb = el.find("textblock")
        return reflow_textblock(tb.text if tb is not None else el.text)

    def map(self, field: str, value: str | None, vocab_key: str = "") -> Any:
        if value is None:
            return None
        return xml_map(field, value, self.source, self.nct_id, vocab_key=vocab_key)

    def date(self, field: str, el: _El | None) -> str | None:
        return parse_xml_date(_text(el), field, self.source, self.nct_id)

    def event(self, field: str, *tags: str) -> dict[str, Any] | None:
        for tag in tags:
            el = self.first(tag)
            date = self.date(field, el)
            if date is not None and el is not None:
                kind = el.get("type")
                return {
                    "date": date,
                    "type": self.map(f"{field}.type", kind, "date_type") if kind else None,
                }
        return None

    # -- the record ---------------------------------------------------------------------
    def trial(self) -> Trial:
        id_info = self.first("id_info")
        nct = _child_text(id_info, "nct_id") if id_info is not None else None
        self.nct_id = check_nct_id(nct, self.source)
        data: dict[str, Any] = {
            "nct_id": self.nct_id,
            "source_format": SOURCE_FORMAT,
            "brief_title": self.text("brief_title"),
            "official_title": self.text("official_title"),
            "acronym": self.text("acronym"),
        }
        if id_info is not None:
            data["org_study_id"] = _child_text(id_info, "org_study_id")
            data["secondary_ids"] = [{"id": s} for s in _children_text(id_info, "secondary_id")]

        data["overall_status"] = self.map("overall_status", self.text("overall_status"))
        data["last_known_status"] = self.map(
            "last_known_status", self.text("last_known_status"), "overall_status"
        )
        data["why_stopped"] = self.text("why_stopped")
        data["status_verified_date"] = self.date(
            "verification_date", self.first("verification_date")
        )
        phases: list[str] = []
        for p in self.texts("phase"):
            for word in self.map("phase", p):
                if word not in phases:
                    phases.append(word)
        data["phases"] = phases
        data["study_type"] = self.map("study_type", self.text("study_type"))
        data["enrollment"] = self._enrollment()

        data["start_date"] = self.event("start_date", "start_date")
        data["primary_completion_date"] = self.event(
            "primary_completion_date", "primary_completion_date"
        )
        data["completion_date"] = self.event("completion_date", "completion_date")
        submitted = self.first("study_first_submitted")
        if submitted is None:
            submitted = self.first("firstreceived_date")
        data["first_submitted_date"] = self.date("study_first_submitted", submitted)
        data["first_posted_date"] = self.event("study_first_posted", "study_first_posted")
        data["last_update_posted_date"] = self.event(
            "last_update_posted", "last_update_posted", "lastchanged_date"
        )
        data["results_first_posted_date"] = self.event(
            "results_first_posted", "results_first_posted", "firstreceived_results_date"
        )

        data["brief_summary"] = self.textblock(self.first("brief_summary"))
        data["detailed_description"] = self.textblock(self.first("detailed_description"))
        data["conditions"] = self.texts("condition")
        data["keywords"] = self.texts("keyword")

        data["design"] = self._design()
        data["interventions"] = self._interventions()
        data["arm_groups"] = self._arm_groups(data["interventions"])
        data["eligibility"] = self._eligibility()

        data.update(self._sponsors())
        data["responsible_party"] = self._responsible_party()
        data["overall_officials"] = self._officials()
        data["central_contacts"] = [
            c
            for c in (
                self._contact(el)
                for tag in ("overall_contact", "overall_contact_backup")
                for el in self.kids.get(tag, ())
            )
            if c
        ]
        data["locations"] = [self._location(el) for el in self.kids.get("location", ())]
        countries = self.first("location_countries")
        data["countries"] = _children_text(countries, "country") if countries is not None else []
        data["references"] = self._references()
        data["condition_mesh"] = self._mesh("condition_browse")
        data["intervention_mesh"] = self._mesh("intervention_browse")
        data["has_results"] = "clinical_results" in self.kids
        return build_trial(data, self.source)

    # -- sections -------------------------------------------------------------------------
    def _enrollment(self) -> dict[str, Any] | None:
        el = self.first("enrollment")
        value = _text(el)
        if el is None or value is None:
            return None
        try:
            count = int(float(value))
        except ValueError:
            raise RecordError(
                self.source, f"not a number: {value!r}", field="enrollment", nct_id=self.nct_id
            ) from None
        kind = el.get("type")
        return {
            "count": count,
            "type": self.map("enrollment.type", kind, "date_type") if kind else None,
        }

    def _design(self) -> dict[str, Any] | None:
        fields: dict[str, str] = {}
        info = self.first("study_design_info")
        if info is not None:
            for c in info:
                if isinstance(c.tag, str):
                    t = _text(c)
                    if t:
                        fields[c.tag] = t
        old = self.text("study_design")
        if old:
            keys = list(_OLD_DESIGN_KEY.finditer(old))
            for i, m in enumerate(keys):
                end = keys[i + 1].start() if i + 1 < len(keys) else len(old)
                name = _OLD_DESIGN_FIELDS.get(m.group(1).strip())
                if name and name not in fields:
                    fields[name] = old[m.end() : end].strip()
        if not fields:
            return None
        design: dict[str, Any] = {
            "intervention_model_description": fields.get("intervention_model_description"),
            "masking_description": fields.get("masking_description"),
        }
        for name in (
            "allocation",
            "intervention_model",
            "primary_purpose",
            "observational_model",
            "time_perspective",
        ):
            design[name] = self.map(f"study_design_info.{name}", fields.get(name), name)
        masking = fields.get("masking")
        if masking and masking in vocab()["xml"]["masking"]:  # "None (Open Label)", "Double"
            design["masking"] = vocab()["xml"]["masking"][masking]
        elif masking:
            parts = _MASKING.match(masking)
            if not parts:
                raise RecordError(
                    self.source,
                    f"unknown value {masking!r}",
                    field="study_design_info.masking",
                    nct_id=self.nct_id,
                )
            design["masking"] = self.map("study_design_info.masking", parts.group(1), "masking")
            if parts.group(2):
                design["who_masked"] = [
                    self.map("study_design_info.masking", who.strip(), "who_masked")
                    for who in parts.group(2).split(",")
                    if who.strip()
                ]
        return design

    def _interventions(self) -> list[dict[str, Any]]:
        out = []
        for el in self.kids.get("intervention", ()):
            f = _fields(el)
            name = f.get("intervention_name")
            if not name:
                raise RecordError(
                    self.source,
                    "intervention without a name",
                    field="intervention.intervention_name",
                    nct_id=self.nct_id,
                )
            out.append(
                {
                    "type": self.map(
                        "intervention.intervention_type",
                        f.get("intervention_type"),
                        "intervention_type",
                    ),
                    "name": name,
                    "description": reflow_textblock(f.get("description")),
                    "other_names": _children_text(el, "other_name"),
                    "arm_group_labels": _children_text(el, "arm_group_label"),
                }
            )
        return out

    def _arm_groups(self, interventions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        labels: dict[str, str] = vocab()["intervention_type_label"]
        arms = []
        by_label: dict[str, list[str]] = {}
        for el in self.kids.get("arm_group", ()):
            f = _fields(el)
            label = f.get("arm_group_label")
            if not label:
                raise RecordError(
                    self.source,
                    "arm group without a label",
                    field="arm_group.arm_group_label",
                    nct_id=self.nct_id,
                )
            names: list[str] = []
            by_label[label] = names
            arms.append(
                {
                    "label": label,
                    "type": self.map(
                        "arm_group.arm_group_type",
                        f.get("arm_group_type"),
                        "arm_group_type",
                    ),
                    "description": reflow_textblock(f.get("description")),
                    "intervention_names": names,
                }
            )
        # API v2 lists each arm's interventions as "Drug: Palbociclib"; the XML links them
        # the other way round (intervention -> arm labels), so derive the same list.
        for iv in interventions:
            shown = f"{labels[iv['type']]}: {iv['name']}" if iv["type"] else iv["name"]
            for label in iv["arm_group_labels"]:
                names_for = by_label.get(label)
                if names_for is not None and shown not in names_for:
                    names_for.append(shown)
        return arms

    def _eligibility(self) -> dict[str, Any] | None:
        el = self.first("eligibility")
        if el is None:
            return None
        f = "eligibility"
        min_text, min_years = parse_age(
            _child_text(el, "minimum_age"), f"{f}.minimum_age", self.source, self.nct_id
        )
        max_text, max_years = parse_age(
            _child_text(el, "maximum_age"), f"{f}.maximum_age", self.source, self.nct_id
        )
        return {
            "criteria": self.textblock(el.find("criteria")),
            "sex": self.map(f"{f}.gender", _child_text(el, "gender"), "gender"),
            "gender_based": self.map(
                f"{f}.gender_based", _child_text(el, "gender_based"), "yes_no"
            ),
            "minimum_age": min_text,
            "maximum_age": max_text,
            "minimum_age_years": min_years,
            "maximum_age_years": max_years,
            "healthy_volunteers": self.map(
                f"{f}.healthy_volunteers", _child_text(el, "healthy_volunteers"), "yes_no"
            ),
            "std_ages": std_ages(min_years, max_years),
            "study_population": self.textblock(el.find("study_pop")),
            "sampling_method": self.map(
                f"{f}.sampling_method", _child_text(el, "sampling_method"), "sampling_method"
            ),
        }

    def _org(self, el: _El, field: str) -> dict[str, Any] | None:
        f = _fields(el)
        name = f.get("agency")
        if not name:
            return None
        return {
            "name": name,
            "cls": self.map(f"{field}.agency_class", f.get("agency_class"), "agency_class"),
        }

    def _sponsors(self) -> dict[str, Any]:
        sponsors = self.first("sponsors")
        if sponsors is None:
            return {}
        lead = sponsors.find("lead_sponsor")
        return {
            "lead_sponsor": self._org(lead, "lead_sponsor") if lead is not None else None,
            "collaborators": [
                o
                for o in (
                    self._org(c, "collaborator") for c in sponsors.iterchildren("collaborator")
                )
                if o
            ],
        }

    def _responsible_party(self) -> dict[str, Any] | None:
        el = self.first("responsible_party")
        if el is None:
            return None
        rp = {
            "type": self.map(
                "responsible_party.responsible_party_type",
                _child_text(el, "responsible_party_type"),
                "responsible_party_type",
            ),
            "investigator_full_name": _child_text(el, "investigator_full_name"),
            "investigator_title": _child_text(el, "investigator_title"),
            "investigator_affiliation": _child_text(el, "investigator_affiliation"),
            "old_name_title": _child_text(el, "name_title"),
            "old_organization": _child_text(el, "organization"),
        }
        return rp if any(v is not None for v in rp.values()) else None

    def _officials(self) -> list[dict[str, Any]]:
        out = []
        for el in self.kids.get("overall_official", ()):
            f = _fields(el)
            name = _person_name(f)
            if not name:
                continue
            out.append(
                {
                    "name": name,
                    "affiliation": f.get("affiliation"),
                    "role": self.map("overall_official.role", f.get("role"), "official_role"),
                }
            )
        return out

    def _contact(self, el: _El, role: str | None = "CONTACT") -> dict[str, Any] | None:
        f = _fields(el)
        c = {
            "name": _person_name(f),
            "phone": f.get("phone"),
            "phone_ext": f.get("phone_ext"),
            "email": f.get("email"),
        }
        if not any(c.values()):
            return None
        c["role"] = role
        return c

    def _location(self, el: _El) -> dict[str, Any]:
        # Hot path (AllPublicXML has ~11 locations per study): one pass over the children.
        loc: dict[str, Any] = {}
        contacts: list[dict[str, Any]] = []
        for c in el:
            tag = c.tag
            if tag == "facility":
                for f in c:
                    if f.tag == "name":
                        loc["facility"] = _text(f)
                    elif f.tag == "address":
                        for a in f:
                            key = a.tag
                            if key in _ADDRESS_KEYS:
                                t = a.text  # _text(a), inlined: ~5 per site, 75k sites
                                loc[key] = (t.strip() or None) if t is not None else None
            elif tag == "status":
                loc["status"] = self.map("location.status", _text(c), "overall_status")
            elif tag == "contact" or tag == "contact_backup":
                contact = self._contact(c)
                if contact:
                    contacts.append(contact)
            elif tag == "investigator":
                fields = _fields(c)
                contact = self._contact(
                    c, self.map("location.investigator.role", fields.get("role"), "official_role")
                )
                if contact:
                    contacts.append(contact)
        loc["contacts"] = contacts
        return loc

    def _references(self) -> list[dict[str, Any]]:
        out = []
        for tag, kind in (("reference", "BACKGROUND"), ("results_reference", "RESULT")):
            for el in self.kids.get(tag, ()):
                f = _fields(el)
                ref = {"pmid": f.get("PMID"), "citation": f.get("citation")}
                if ref["pmid"] or ref["citation"]:
                    ref["type"] = kind
                    out.append(ref)
        return out

    def _mesh(self, tag: str) -> list[dict[str, Any]]:
        el = self.first(tag)
        if el is None:
            return []
        return [{"term": t} for t in _children_text(el, "mesh_term")]


def _person_name(f: dict[str, str]) -> str | None:
    """The XML puts a person's whole name (with degrees) in ``last_name``."""
    name = " ".join(t for t in (f.get("first_name"), f.get("middle_name"), f.get("last_name")) if t)
    degrees = f.get("degrees")
    if degrees:
        name = f"{name}, {degrees}" if name else degrees
    return name or None
