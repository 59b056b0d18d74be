"""Rich terminal rendering of one Trial, section by section in the seed page's order.

Every registry value goes through `rich.text.Text` (never markup), because criteria and
descriptions routinely contain square brackets that Rich would read as style tags. Every
section is always printed, with "not provided" when the registry gives nothing, so a
reader can tell "absent in the registry" from "not shown by the tool".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from trialscout.registry.model import Contact, DatedEvent, Location, Trial

NOT_PROVIDED = "not provided"
RESULTS_PENDING = "Results pending: the study team has not posted results"
RESULTS_POSTED = "Results posted"
# Past this many sites the locations table drops to one short line per site.
COMPACT_SITES = 25

# The section headings, in display order (tests and the web page share this list).
SECTIONS: tuple[str, ...] = (
    "Study Results",
    "Basic Information",
    "Brief Summary",
    "Detailed Description",
    "Conditions",
    "Study Design",
    "Study Groups",
    "Interventions",
    "Eligibility Criteria",
    "Sponsors and Collaborators",
    "Responsible Party",
    "Overall Officials",
    "Locations",
    "Countries",
    "Central Contacts",
    "Facility Contacts",
    "Other Identifiers",
    "References",
    "MeSH Terms",
)


def _s(value: object) -> str:
    """Enum members show their registry code (RECRUITING), everything else its str()."""
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _dim(text: str) -> Text:
    return Text(text, style="dim")


def _missing() -> Text:
    return _dim(NOT_PROVIDED)


def _date(ev: DatedEvent | None) -> str | None:
    if ev is None:
        return None
    return f"{ev.date} ({ev.type.value})" if ev.type else ev.date


def _yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return "Yes" if value else "No"


def _kv(rows: Iterable[tuple[str, str | None]], *, keep_empty: bool = False) -> RenderableType:
    """A two-column key/value grid; rows without a value are dropped unless `keep_empty`."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    n = 0
    for key, value in rows:
        if value is None or value == "":
            if not keep_empty:
                continue
            grid.add_row(key, _missing())
        else:
            grid.add_row(key, Text(value))
        n += 1
    return grid if n else _missing()


def _paragraphs(text: str | None) -> RenderableType:
    return Text(text.strip("\n")) if text and text.strip() else _missing()


def _bullets(items: Sequence[str]) -> RenderableType:
    if not items:
        return _missing()
    return Text("\n".join(f"• {i}" for i in items))


def _section(title: str, body: RenderableType) -> RenderableType:
    return Group(
        Text(""),
        Rule(Text(title, style="bold cyan"), align="left", style="cyan"),
        Padding(body, (0, 0, 0, 2), expand=False),
    )


def _contact_line(c: Contact) -> Text:
    parts = [c.name or "(no name)"]
    if c.role:
        parts.append(f"Role: {c.role}")
    if c.phone:
        parts.append(c.phone + (f" ext. {c.phone_ext}" if c.phone_ext else ""))
    if c.email:
        parts.append(c.email)
    return Text(" · ".join(parts))


def _place(loc: Location) -> str:
    return ", ".join(p for p in (loc.city, loc.state, loc.zip, loc.country) if p)


def _header(t: Trial) -> RenderableType:
    lines: list[RenderableType] = [Text(t.title, style="bold")]
    if t.official_title and t.official_title != t.title:
        lines.append(Text(t.official_title, style="italic"))
    meta = Text()
    meta.append("NCT ID: ", style="bold")
    meta.append(t.nct_id)
    if t.acronym:
        meta.append("   Acronym: ", style="bold")
        meta.append(t.acronym)
    meta.append("   Last Updated: ", style="bold")
    meta.append(t.last_update or NOT_PROVIDED)
    lines.append(meta)
    return Group(*lines)


def _results(t: Trial) -> RenderableType:
    if not t.has_results:
        return Text(RESULTS_PENDING, style="yellow")
    posted = _date(t.results_first_posted_date)
    return Text(RESULTS_POSTED + (f" (first posted {posted})" if posted else ""), style="green")


def _basic(t: Trial) -> RenderableType:
    enrollment: str | None = None
    if t.enrollment and t.enrollment.count is not None:
        enrollment = f"{t.enrollment.count} participants"
        if t.enrollment.type:
            enrollment += f" ({t.enrollment.type.value})"
    return _kv(
        [
            ("Recruitment Status", _s(t.overall_status) if t.overall_status else None),
            ("Last Known Status", _s(t.last_known_status) if t.last_known_status else None),
            ("Why Stopped", t.why_stopped),
            ("Clinical Phase", ", ".join(_s(p) for p in t.phases) or None),
            ("Total Enrollment", enrollment),
            ("Study Classification", _s(t.study_type) if t.study_type else None),
            ("Study Start Date", _date(t.start_date)),
            ("Primary Completion Date", _date(t.primary_completion_date)),
            ("Study Completion Date", _date(t.completion_date)),
            ("First Submitted", t.first_submitted_date),
            ("First Posted", _date(t.first_posted_date)),
            ("Status Verified", t.status_verified_date),
        ]
    )


def _conditions(t: Trial) -> RenderableType:
    if not t.conditions and not t.keywords:
        return _missing()
    parts: list[RenderableType] = [_bullets(t.conditions)]
    if t.keywords:
        parts += [Text("Keywords", style="bold"), Text(", ".join(t.keywords))]
    return Group(*parts)


def _design(t: Trial) -> RenderableType:
    d = t.design
    if d is None:
        return _missing()
    return _kv(
        [
            ("Allocation Method", d.allocation),
            ("Intervention Model", d.intervention_model),
            ("Model Description", d.intervention_model_description),
            ("Primary Study Purpose", d.primary_purpose),
            ("Observational Model", d.observational_model),
            ("Time Perspective", d.time_perspective),
            ("Blinding Strategy", d.masking),
            ("Who Is Masked", ", ".join(d.who_masked) or None),
            ("Masking Description", d.masking_description),
        ]
    )


def _arms(t: Trial) -> RenderableType:
    if not t.arm_groups:
        return _missing()
    blocks: list[RenderableType] = []
    for arm in t.arm_groups:
        blocks.append(Text(arm.label, style="bold"))
        if arm.description:
            blocks.append(Padding(Text(arm.description), (0, 0, 0, 2), expand=False))
        rows: list[tuple[str, str | None]] = [
            ("Group Type", arm.type),
            ("Interventions", "; ".join(arm.intervention_names) or None),
        ]
        blocks.append(Padding(_kv(rows), (0, 0, 1, 2), expand=False))
    return Group(*blocks)


def _interventions(t: Trial) -> RenderableType:
    if not t.interventions:
        return _missing()
    blocks: list[RenderableType] = []
    for iv in t.interventions:
        blocks.append(Text(iv.name, style="bold"))
        if iv.description:
            blocks.append(Padding(Text(iv.description), (0, 0, 0, 2), expand=False))
        rows: list[tuple[str, str | None]] = [
            ("Intervention Type", iv.type),
            ("Other Names", ", ".join(iv.other_names) or None),
            ("Arms", "; ".join(iv.arm_group_labels) or None),
        ]
        blocks.append(Padding(_kv(rows), (0, 0, 1, 2), expand=False))
    return Group(*blocks)


def _eligibility(t: Trial) -> RenderableType:
    e = t.eligibility
    if e is None:
        return _missing()
    facts = _kv(
        [
            ("Minimum Eligible Age", e.minimum_age),
            ("Maximum Eligible Age", e.maximum_age),
            ("Eligible Sex", _s(e.sex) if e.sex else None),
            ("Gender Based", _yes_no(e.gender_based)),
            ("Accepts Healthy Volunteers", _yes_no(e.healthy_volunteers)),
            ("Age Groups", ", ".join(_s(a) for a in e.std_ages) or None),
            ("Sampling Method", e.sampling_method),
        ]
    )
    parts: list[RenderableType] = [_paragraphs(e.criteria), Text("")]
    if e.study_population:
        parts += [Text("Study Population", style="bold"), Text(e.study_population), Text("")]
    parts.append(facts)
    return Group(*parts)


def _sponsors(t: Trial) -> RenderableType:
    rows: list[tuple[str, str | None]] = []
    if t.lead_sponsor:
        cls = f" ({t.lead_sponsor.cls})" if t.lead_sponsor.cls else ""
        rows.append(("Lead Sponsor", t.lead_sponsor.name + cls))
    for c in t.collaborators:
        rows.append(("Collaborator", c.name + (f" ({c.cls})" if c.cls else "")))
    return _kv(rows)


def _responsible(t: Trial) -> RenderableType:
    r = t.responsible_party
    if r is None:
        return _missing()
    return _kv(
        [
            ("Name", r.investigator_full_name or r.old_name_title),
            ("Title", r.investigator_title),
            ("Affiliation", r.investigator_affiliation or r.old_organization),
            ("Responsibility Role", r.type),
        ]
    )


def _officials(t: Trial) -> RenderableType:
    if not t.overall_officials:
        return _missing()
    lines = []
    for o in t.overall_officials:
        bits = [o.name] + [b for b in (o.role, o.affiliation) if b]
        lines.append(" · ".join(bits))
    return _bullets(lines)


def _locations(t: Trial) -> RenderableType:
    """A table; past COMPACT_SITES sites, one short row per site, grouped under its country."""
    if not t.locations:
        return _missing()
    compact = len(t.locations) > COMPACT_SITES
    with_status = any(loc.status for loc in t.locations)
    table = Table(
        box=None if compact else box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        caption=f"{len(t.locations)} sites" if compact else None,
        caption_justify="left",
    )
    table.add_column("Facility", overflow="fold", ratio=5)
    table.add_column(
        "City / State" if compact else "City / State / Country", overflow="fold", ratio=3
    )
    if with_status:
        table.add_column("Site Status", overflow="fold", ratio=2)

    def status(loc: Location) -> Text:
        return Text(_s(loc.status)) if loc.status else _dim("-")

    if not compact:
        for loc in t.locations:
            row = [Text(loc.facility or NOT_PROVIDED), Text(_place(loc))]
            table.add_row(*row, *([status(loc)] if with_status else []))
        return table
    by_country: dict[str, list[Location]] = {}
    for loc in t.locations:
        by_country.setdefault(loc.country or "Country not provided", []).append(loc)
    for country, locs in by_country.items():
        table.add_row(Text(f"{country} ({len(locs)})", style="bold underline"))
        for loc in locs:
            place = ", ".join(p for p in (loc.city, loc.state) if p)
            row = [Text(loc.facility or NOT_PROVIDED), Text(place)]
            table.add_row(*row, *([status(loc)] if with_status else []))
    return table


def _countries(t: Trial) -> RenderableType:
    names = list(t.countries)
    if not names:
        names = sorted({loc.country for loc in t.locations if loc.country})
    return Text(", ".join(names)) if names else _missing()


def _central_contacts(t: Trial) -> RenderableType:
    if not t.central_contacts:
        return _missing()
    return Group(*[_contact_line(c) for c in t.central_contacts])


def _facility_contacts(t: Trial) -> RenderableType:
    blocks: list[RenderableType] = []
    for loc in t.locations:
        if not loc.contacts:
            continue
        blocks.append(Text(loc.facility or _place(loc) or NOT_PROVIDED, style="bold"))
        blocks += [Padding(_contact_line(c), (0, 0, 0, 2), expand=False) for c in loc.contacts]
    return Group(*blocks) if blocks else _missing()


def _identifiers(t: Trial) -> RenderableType:
    rows: list[tuple[str, str | None]] = [("Org Study ID", t.org_study_id)]
    for sid in t.secondary_ids:
        extra = ", ".join(b for b in (sid.type, sid.domain) if b)
        rows.append(("Secondary ID", sid.id + (f" ({extra})" if extra else "")))
    return _kv(rows)


def _references(t: Trial) -> RenderableType:
    if not t.references:
        return _missing()
    lines = []
    for r in t.references:
        bits = [r.citation or "(no citation)"]
        if r.pmid:
            bits.append(f"PMID {r.pmid}")
        if r.type:
            bits.append(r.type)
        lines.append(" · ".join(bits))
    return _bullets(lines)


def _mesh(t: Trial) -> RenderableType:
    rows: list[tuple[str, str | None]] = [
        ("Conditions", "; ".join(m.term for m in t.condition_mesh) or None),
        ("Interventions", "; ".join(m.term for m in t.intervention_mesh) or None),
    ]
    return _kv(rows)


def trial_sections(t: Trial) -> list[tuple[str, RenderableType]]:
    """(heading, body) for every section of SECTIONS, in order."""
    bodies: dict[str, RenderableType] = {
        "Study Results": _results(t),
        "Basic Information": _basic(t),
        "Brief Summary": _paragraphs(t.brief_summary),
        "Detailed Description": _paragraphs(t.detailed_description),
        "Conditions": _conditions(t),
        "Study Design": _design(t),
        "Study Groups": _arms(t),
        "Interventions": _interventions(t),
        "Eligibility Criteria": _eligibility(t),
        "Sponsors and Collaborators": _sponsors(t),
        "Responsible Party": _responsible(t),
        "Overall Officials": _officials(t),
        "Locations": _locations(t),
        "Countries": _countries(t),
        "Central Contacts": _central_contacts(t),
        "Facility Contacts": _facility_contacts(t),
        "Other Identifiers": _identifiers(t),
        "References": _references(t),
        "MeSH Terms": _mesh(t),
    }
    return [(name, bodies[name]) for name in SECTIONS]


def trial_renderable(t: Trial) -> RenderableType:
    """The whole page as one renderable (header, then every section)."""
    parts: list[RenderableType] = [_header(t)]
    parts += [_section(name, body) for name, body in trial_sections(t)]
    return Group(*parts)


def render_trial(t: Trial, console: Console) -> None:
    console.print(trial_renderable(t))
