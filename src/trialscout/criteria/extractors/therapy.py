"""Prior/current therapy: drug, class, regimen or modality, with setting, line,
cycles, response, time window, major/ongoing."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from trialscout.criteria.atoms import (
    AndNode,
    ConditionAtom,
    NotNode,
    OrNode,
    PriorTherapyAtom,
    UnparsedAtom,
)
from trialscout.criteria.extractors.base import (
    WNUM,
    Ctx,
    Found,
    derived_gate,
    may_match,
    needs_derived,
    number,
    to_days,
)
from trialscout.criteria.vocab import fast_fold, read_table, vocab

_TARGETS = {
    "pd-1": "pd1_inhibitor",
    "pd1": "pd1_inhibitor",
    "pd-l1": "pdl1_inhibitor",
    "pdl1": "pdl1_inhibitor",
    "pd-l2": "pdl2_inhibitor",  # PD-L2 is its own ligand: anti-PD-L2 is not anti-PD-L1
    "pdl2": "pdl2_inhibitor",
    "ctla-4": "ctla4_inhibitor",
    "ctla4": "ctla4_inhibitor",
    "lag-3": "lag3_inhibitor",
    "lag3": "lag3_inhibitor",
    "tim-3": "tim3_inhibitor",
    "tigit": "tigit_inhibitor",
    "egfr": "egfr_inhibitor",
    "her2": "her2_inhibitor",
    "her-2": "her2_inhibitor",
    "vegf": "vegf_inhibitor",
    "vegfr": "vegf_inhibitor",
    "parp": "parp_inhibitor",
    "cdk4/6": "cdk46_inhibitor",
    "cdk 4/6": "cdk46_inhibitor",
    "alk": "alk_inhibitor",
    "ros1": "ros1_inhibitor",
    "met": "met_inhibitor",
    "braf": "braf_inhibitor",
    "mek": "mek_inhibitor",
    "kras": "kras_inhibitor",
    "btk": "btk_inhibitor",
    "bcl-2": "bcl2_inhibitor",
    "bcl2": "bcl2_inhibitor",
    "cd20": "anti_cd20",
    "cd19": "anti_cd19",
    "cd38": "anti_cd38",
    "mtor": "mtor_inhibitor",
    "pi3k": "pi3k_inhibitor",
    "fgfr": "fgfr_inhibitor",
    "ntrk": "ntrk_inhibitor",
    "ret": "ret_inhibitor",
    "4-1bb": "cd137_agonist",
    "akt": "akt_inhibitor",
    "cd137": "cd137_agonist",
    "ox40": "ox40_agonist",
    "tgf-b": "tgfb_inhibitor",
    "bcma": "anti_bcma",
    "trop-2": "trop2_adc",
    "hgf": "hgf_inhibitor",
}
_TOK = r"(?:pd-?l?[12]|ctla-?4|lag-?3|tim-?3|tigit|egfr|her-?2|vegfr?|parp|cdk\s*4/6|alk|ros1|met|braf|mek|kras|btk|bcl-?2|cd20|cd19|cd38|mtor|pi3k|fgfr|ntrk|ret|4-1bb|cd137|ox40|tgf-?b|bcma|trop-?2|akt|hgf)(?![A-Za-z0-9])"
# "PI3K/mTOR(mammalian target of rapamycin )/Akt inhibitor": a spelled-out name in brackets
_EXPANSION = r"(?:\s*\([^()]{3,60}\)\s*)?"
_TARGET_LIST = re.compile(
    r"(?<![A-Za-z0-9])(?:anti-?\s*)?(?P<list>"
    + _TOK
    + r"(?:"
    + _EXPANSION
    + r"\s*(?:/|,|or|and|and/or|\+|x)\s*(?:anti-?\s*)?"
    + _TOK
    + r"){0,4})"
    r"(?:\s*-?\s*(?:directed|targeted|targeting|based|pathway))?\s*-?\s*(?P<suf>inhibitors?|inhibition|antibod(?:y|ies)|blockers?|blockade|monoclonal antibod(?:y|ies)|mabs?|agents?|therap(?:y|ies)|drugs?|tkis?|treatments?|immunotherap(?:y|ies)|agonists?|adcs?|checkpoint inhibitors?|bispecific)?",
    re.I,
)
# "therapy targeting EGFR or HER-2", "agents directed against EGFR and/or HER2", "an agent for
# the purpose of inhibiting epidermal growth factor receptor", "drugs that target the VEGF
# pathway": the target named after the agent; any agent acting on it (the broad class)
_SPELLED_TARGETS = {
    "epidermal growth factor receptor": "egfr",
    "vascular endothelial growth factor receptor": "vegfr",
    "vascular endothelial growth factor": "vegf",
    "mammalian target of rapamycin": "mtor",
}
_TARGET_PRE = re.compile(
    r"\b(?P<lic>(?:(?:investigational|experimental|licensed|approved|marketed|commercial(?:ly\s+available)?)\s+(?:(?:or|and/or|and)\s+(?:investigational|experimental|licensed|approved|marketed|commercial(?:ly\s+available)?)\s+)?)?)"
    r"(?:(?P<pre>(?:monoclonal\s+)?antibod(?:y|ies)|small[\s-]molecule\s+inhibitors?|tyrosine[\s-]kinase\s+inhibitors?|tkis?)\s+(?:or|and|and/or|/)\s+)?"
    r"(?P<head>(?:(?:monoclonal|small[\s-]molecule|tyrosine[\s-]kinase|signal[\s-]transduction)\s+)?(?:therap(?:y|ies)|treatments?|agents?|drugs?|compounds?|medications?|antibod(?:y|ies)|inhibitors?))\s+(?:that\s+|which\s+)?"
    r"(?:(?:specifically|selectively|primarily|directly)\s+)?(?:targets?|targeting|targeted\s+(?:at|to|against)|inhibits?|inhibiting|directed\s+(?:against|at|to)|"
    r"(?:for|with)\s+the\s+(?:purpose|intent(?:ion)?)\s+of\s+(?:inhibiting|targeting))\s+(?:the\s+)?"
    r"(?P<list>(?:"
    + _TOK
    + r"|epidermal\s+growth\s+factor\s+receptor|vascular\s+endothelial\s+growth\s+factor(?:\s+receptor)?|mammalian\s+target\s+of\s+rapamycin)"
    r"(?:\s*(?:\([^()]{1,12}\)\s*)?(?:/|,|or|and|and/or)\s*(?:the\s+)?(?:"
    + _TOK
    + r")){0,3})(?:\s*\([^()]{1,12}\))?(?:\s+(?:pathway|receptors?|signal(?:l)?ing|axis|family))*",
    re.I,
)
# "strong inhibitors or inducers of CYP3A4", "CYP3A4 isoenzyme inhibitors and/or inducers",
# "cytochrome P450 3A4 inhibitors": one class each (drug_classes.csv cyp3a4_inhibitor /
# cyp3a4_inducer); strength is not modelled (the drugs.csv members are strong ones)
_CYPREF = (
    r"(?:(?:human\s+)?cytochrome\s+p-?450\s*(?:\(cyp\)\s*|/\s*|,?\s*family\s+3,?\s*subfamily\s+a,?\s*polypeptide\s+4\s*)?"
    r"(?:\(?cyp-?\s*3a4?(?:/5)?\)?|3a4?(?:/5)?)?|cyp-?\s*3a4?(?:/5)?|\(cyp\)\s*3a4?)(?:\s+(?:isoenzymes?|isozymes?|enzymes?))?"
)
_CYP_KIND = r"(?:inhibitors?|inducers?|inhibiting|inducing)"
_CYP = re.compile(
    r"(?<![\w-])(?:(?:strong|potent|moderate|significant|known)\s+(?:(?:or|to|and)\s+(?:strong|potent|moderate)\s+)?)?"
    r"(?:(?P<k1>"
    + _CYP_KIND
    + r")(?:\s*(?:or|and|and/or|/)\s*(?P<k2>"
    + _CYP_KIND
    + r"))?\s+of\s+(?:the\s+)?(?:isoenzyme\s+|enzyme\s+)?"
    + _CYPREF
    + r"|"
    + _CYPREF
    + r"\s*(?P<k3>"
    + _CYP_KIND
    + r")(?:\s*(?:or|and|and/or|/)\s*(?P<k4>"
    + _CYP_KIND
    + r"))?)(?![\w-])",
    re.I,
)
# "drugs known to inhibit CYP3A4", "medications which strongly inhibit or induce CYP3A4",
# "drugs that induce or inhibit the CYP3A4 system": the class named by its verb
_CYP_VERB = re.compile(
    r"\b(?:known\s+to|that|which|may|can|likely\s+to)\s+(?:strongly\s+|potently\s+|significantly\s+)?"
    r"(?P<k1>inhibit|induce)s?\s+(?:(?:or|and|and/or)\s+(?P<k2>inhibit|induce)s?\s+)?(?:the\s+)?"
    r"(?:cyp-?\s*3a4?(?:/5)?|cytochrome\s+p-?450\s+3a4?(?:/5)?)(?:\s+(?:system|activity|isoenzymes?|enzymes?|pathway))?(?![\w-])",
    re.I,
)
# "prior adjuvant or neoadjuvant therapy": any anticancer therapy given in that setting
_SET_WORD = (
    r"(?:neo-?\s*adjuvant|adjuvant|\(neo-?\)\s*-?\s*adjuvant|(?:re-?)?induction|maintenance)"
)
_SETTING_TX = re.compile(
    r"\b(?P<set>"
    + _SET_WORD
    + r"(?:\s*(?:,|or|and|and/or|/)\s*"
    + _SET_WORD
    + r")*)\s+(?P<w>therap(?:y|ies)|treatments?|regimens?)\b",
    re.I,
)
_TRIAL = re.compile(
    r"(?:participat\w*|taken part|take part|took part|enrolled|enrol?lment|involvement|involved)\s+(?:in\s+)?(?:any\s+)?(?:other\s+|another\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:(?<=other )|(?<=clinical )|(?<=investigational )|(?<=experimental )|(?<=interventional )|(?<=concurrent ))(?:trials?|stud(?:y|ies))(?:\s+(?:testing|of|with|using|involving)\s+(?:\w+\s+){0,3}?(?:drugs?|agents?|therap\w+|treatments?|products?|devices?))?",
    re.I,
)
# "has participated in a study of an investigational agent": the trial named by its agent
_TRIAL_OF = re.compile(
    r"\bparticipat\w*\s+(?:in\s+)?(?:a|an|any)\s+(?:clinical\s+)?(?:trials?|stud(?:y|ies))\s+(?:of|with|using|involving|testing)\s+"
    r"(?:an?\s+|any\s+)?(?:investigational|experimental)\s+(?:medicinal\s+)?(?:agents?|drugs?|products?|therap(?:y|ies)|treatments?|compounds?|medications?)",
    re.I,
)
# "Failure of at least one prior chemotherapy regimen", "prior failure with either topotecan or
# temozolomide", "prior chemotherapy failure": the treatment failed (like "failed X", which the
# leftover check already reads as filler); never "heart failure", "failure to recover from"
_ORGAN_FAILURE = r"(?<!heart\s)(?<!cardiac\s)(?<!renal\s)(?<!kidney\s)(?<!liver\s)(?<!hepatic\s)(?<!respiratory\s)(?<!organ\s)(?<!marrow\s)(?<!graft\s)(?<!engraftment\s)(?<!ovarian\s)(?<!pulmonary\s)"
_FAILURE_BEFORE = re.compile(
    _ORGAN_FAILURE
    + r"(?<!\bor\s)\b(?:treatment\s+|therapy\s+)?failure\s+(?:of|with|on|after|following)\s+(?:(?:either|at\s+least|prior|previous|standard|a|an|one|two|three|[1-4]|first[\s-]line|second[\s-]line|but|not|no|more|than|or)\s+){0,9}$",
    re.I,
)
_FAILURE_AFTER = re.compile(r"[\s-]*(?:treatment\s+|therapy\s+)?failures?\b(?!\s+to\b)", re.I)
# "patients who underwent surgery", "have not undergone prior radiotherapy": verbs of receipt,
# like "received" (the tree reads a negation before them, logic._NEG / _local_negation)
_RECEIPT_VERB = re.compile(
    r"\b(?P<v>underwent|undergone|undergoing)\s+(?:(?:any|a|an|the|prior|previous|recent|other)\s+)*$",
    re.I,
)
# "surgery (excluding prior biopsy for diagnosis)", "major surgery other than biopsy"
_BIOPSY_EXCEPT = re.compile(
    r"(?:\s+for\s+any\s+reason)?\s*(?:\(\s*|,\s*)?(?:other\s+than|excluding|except(?:\s+for)?|apart\s+from|not\s+including|besides)\s+(?:a\s+|prior\s+|simple\s+|the\s+)?"
    r"(?:diagnostic\s+|core\s+|needle\s+|tumou?r\s+|open\s+)?biops(?:y|ies)(?:\s+(?:for|to\s+make)\s+(?:the\s+)?diagnosis|\s+at\s+baseline)?(?:\s*\))?",
    re.I,
)
_PAREN_BANNED = re.compile(
    r"\([^()]{0,100}?\b(?:is|are|will\s+be)\s+(?:excluded|not\s+(?:allowed|permitted|eligible|acceptable)|prohibited|ineligible)\b[^()]{0,30}\)",
    re.I,
)
_CONTAINING_AFTER = re.compile(
    r"[\s-]*(?:containing|based)\s+(?:regimens?|combinations?|therap(?:y|ies)|treatments?|protocols?)\b",
    re.I,
)
_CONTAINING_BEFORE = re.compile(
    r"\b(?:regimens?|therap(?:y|ies)|treatments?|combinations?|chemotherapy)\s+(?P<w>containing)\s+(?:an?\s+)?$",
    re.I,
)
_ANY_REASON = re.compile(
    r"\s*,?\s*(?:\([^()]{0,40}\)\s*)?(?:for|of)\s+any\s+(?:other\s+)?(?:indications?|reasons?|purposes?|causes?)\b"
    r"(?!\s+(?:than|except|besides|other|apart))",
    re.I,
)
_NO_FAILURE_KINDS = frozenset(
    {
        "organ_transplant",
        "transfusion",
        "coronary_angioplasty",
        "cabg",
        "venous_access_device",
        "biopsy",
    }
)
_PRIOR_CTX = re.compile(
    r"prior|previous|previously|received|receiving|receive|treated|treatment with|therapy with|exposure|exposed|history of|within|after|following|na[iï]ve|"
    r"refractory|progress|failed|failure|concurrent|concomitant|currently|undergone|underwent|achiev|cycles?|line|use of|using|"
    r"administration|administered|completed|respon|resistant|intoleran|relapsed|plus|\+|regimen|started|start|pretreated|pre-treated|\bon (?:therapeutic|stable|chronic)|\bno\b|\bnot\b|\bwithout\b|"
    r"\bon\s+an?\s+stable|stable\s+(?:or\s+decreasing\s+)?dose|\bperformed\b|\bsince\b",
    re.I,
)
# the disease setting named right after a therapy: "chemotherapy for metastatic or relapsed
# disease", "regimen for locally advanced, unresectable/inoperable or metastatic NSCLC",
# "(neoadjuvant, adjuvant, or metastatic setting)"; its status words are the therapy's
# setting, not a disease-status atom of their own
_ST = r"(?:recurrent|metastatic|locally[\s-]*advanced|locoregionally[\s-]*advanced|advanced|relapsed|unresectable|inoperable|refractory|r/m)"
_SETTING_NEAR = re.compile(
    r"(?:\s*\([^()]{0,80}\))?[^;.()]{0,45}?(?:\b(?:for|in)\s+(?:the\s+)?(?:treatment\s+of\s+)?(?:their\s+|patients\s+with\s+)?(?P<s>"
    + _ST
    + r"(?:\s*(?:,|/|\bor\b|\band\b|\band/or\b)\s*"
    + _ST
    + r"){0,3})(?:\s+(?:setting|disease|stage|cancer|tumou?rs?|malignanc\w+|npc|nsclc|sclc|hnscc|scchn|rcc|hcc|crc|mcrpc|crpc|(?:[a-z]+[\s-]+){0,3}?(?:carcinoma|cancer)))?"
    r"|\b(?:in|during)\s+(?:the\s+)?(?P<s3>neo-?adjuvant|adjuvant|curative|palliative|maintenance|induction|salvage|consolidation)\s+(?:setting|phase|treatment)"
    r"|\bas\s+(?:an?\s+)?(?P<s4>neo-?adjuvant|adjuvant|curative|palliative|maintenance|induction|salvage|consolidation)(?:\s+(?:setting|therapy|treatment))?\b"
    r"|\b(?:with|of)\s+(?:a\s+)?(?P<s5>curative|palliative)[\s-]+intent\b"
    r"|[(,]?\s*(?P<adj>(?:(?:neo-?adjuvant|adjuvant|curative|palliative|first-line)\s*,?\s*(?:or\s+)?)*)(?P<s2>"
    + _ST
    + r")\s+setting)",
    re.I,
)
# the cancer a therapy was for: "prior systemic therapy of any kind for renal cell carcinoma"
_FOR_CANCER = re.compile(
    r"\s*(?:\([^()]{0,100}\)\s*)?(?:of\s+any\s+kind\s+)?(?:for|against)\s+(?:the\s+|their\s+|this\s+|his\s+|her\s+)?"
    r"(?P<x>[^;.,()]{0,50}?(?:cancer|carcinoma|tumou?rs?|malignanc(?:y|ies)|neoplasms?|disease|lymphoma|leuka?emia|myeloma|melanoma|sarcoma|glioma|glioblastoma|\b[A-Z]{2,6}))(?![A-Za-z0-9])",
)
# "no previous treatment for esophageal cancer": any anticancer therapy
_TREATMENT_FOR = re.compile(
    r"\b(?P<w>(?:prior|previous|any\s+prior|any\s+previous|any|(?:any\s+)?(?:other\s+)?(?:concurrent|concomitant|current|ongoing))\s+(?:treatments?|therap(?:y|ies)))(?=\s+(?:for|against)\s)",
    re.I,
)
_ADJ_SETTING = re.compile(
    r"\b(?P<s>neoadjuvant|neo-adjuvant|adjuvant|induction|concurrent|concomitant|definitive|curative|curative-intent|radical|palliative|maintenance|salvage|consolidation)\b",
    re.I,
)
_LINE = re.compile(r"\b(?P<n>first|second|third|fourth|1st|2nd|3rd|4th|[1-4])[\s-]*lines?\b", re.I)
_LINE_N = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_CYCLES = re.compile(
    r"(?:(?P<al>at least|>=|minimum of|a minimum of|no more than|up to|<=|maximum of|more than|less than|fewer than)\s*)?(?P<a>"
    + WNUM
    + r")"
    r"(?:\s*(?:-|to|~|or)\s*(?P<b>"
    + WNUM
    + r"))?\s*(?:\(\d+\)\s*)?(?:or more\s*)?(?:full\s*|complete\s*|prior\s*)?(?:cycles?|courses?)",
    re.I,
)
_RESPONSE = re.compile(
    r"(?:complete|partial)\s+or\s+(?:complete|partial)\s+(?:response|remission)|"
    r"complete (?:response|remission)(?:\s*\(c[rm]\))?|partial (?:response|remission)(?:\s*\(pr\))?|stable disease(?:\s*\(sd\))?|progressive disease(?:\s*\(pd\))?|"
    r"(?<![A-Za-z])(?:CR|PR|SD)(?![A-Za-z-])|objective response|disease control",
)
_WITHIN = re.compile(
    r"(?:within|in|during)\s*(?:the\s*)?(?:past|last|previous|preceding|prior)?\s*(?P<v>"
    + WNUM
    + r")?\s*(?:\(\d+\)\s*)?(?P<u>days?|weeks?|wks?|months?|years?|hours?|half-lives)"
    r"(?:\s*(?:before|prior to|of|preceding|from)\s*(?:the\s*)?(?:start of\s*|initiation of\s*|first\s*|beginning of\s*)?(?:study\s*)?(?:\w+\s*){0,3}?(?:enrol?lment|randomi[sz]ation|registration|screening|entry|dose|treatment|therapy|day 1|cycle 1|study drug|inclusion|signing))?"
    r"|(?P<v2>"
    + WNUM
    + r")\s*(?:\(\d+\)\s*)?(?P<u2>days?|weeks?|wks?|months?|years?|hours?)\s*(?:before|prior to|preceding|of)\s*(?:the\s*)?(?:start of\s*|initiation of\s*|first\s*|beginning of\s*)?(?:study\s*)?(?:\w+\s*){0,3}?(?:enrol?lment|randomi[sz]ation|registration|screening|entry|dose|treatment|therapy|day 1|cycle 1|study drug|inclusion|signing)",
    re.I,
)
_ONGOING = re.compile(
    r"currently (?:receiving|taking|on|using|treated)|ongoing|concurrent(?:ly)? (?:use|treatment|therapy|administration)|concomitant (?:use|treatment|therapy|medication)|current use|chronic use|continuous use|\bon (?:therapeutic|chronic|long-term)|require[sd]? (?:chronic|continuous|long-term|ongoing)|\bon\s+an?\s+stable|stable\s+(?:or\s+decreasing\s+)?dose",
    re.I,
)
_SETTING_MAP = {
    "neoadjuvant": "neoadjuvant",
    "neo-adjuvant": "neoadjuvant",
    "adjuvant": "adjuvant",
    "induction": "induction",
    "concurrent": "concurrent",
    "concomitant": "concurrent",
    "definitive": "curative",
    "curative": "curative",
    "curative-intent": "curative",
    "radical": "curative",
    "palliative": "palliative",
    "maintenance": "maintenance",
    "salvage": "salvage",
    "consolidation": "consolidation",
}


_LINE_COUNT = re.compile(
    r"(?P<q>more than|greater than|>|up to|no more than|not more than|at most|fewer than|less than|at least|a minimum of|a maximum of|maximum of|failed|received|had)\s*(?P<n>"
    + WNUM
    + r")(?:\s*(?:or|to|-)\s*(?P<m>"
    + WNUM
    + r"))?\s*(?P<more>or more\s*)?(?:\(\d+\)\s*)?(?P<tail>(?:prior\s*|previous\s*|lines? of\s*|courses? of\s*)?(?:(?!(?:days?|weeks?|months?|years?|hours?|mg|cycles?|half-lives)\b)[\w-]+\s+){0,4}?"
    r"(?:regimens?|lines?|therap(?:y|ies)|treatments?|(?:(?<=prior )|(?<=previous )|(?<=systemic )|(?<=cytotoxic )|(?<=line of )|(?<=lines of ))chemotherap(?:y|ies)))\b",
    re.I,
)
# "at least one but no more than three prior lines of therapy": both bounds
_LINE_RANGE = re.compile(
    r"\b(?:at\s+least|received|had|a\s+minimum\s+of)\s+(?P<n>"
    + WNUM
    + r")(?:[\s,]+(?!(?:days?|weeks?|months?|years?|cycles?)\b)[\w-]+){0,4}?[\s,]+(?:but|and)\s+(?:no|not)\s+more\s+than\s+(?P<m>"
    + WNUM
    + r")\b",
    re.I,
)
# the counted thing when no therapy word names it: "more than two prior treatments", "no
# more than 3 prior anti-myeloma regimens" (systemic therapy, as "prior regimens")
_COUNT_TAIL = re.compile(
    r"(?=[^;.]*\b(?:prior|previous|regimens?|lines?)\b)(?:(?:prior|previous|different|separate|standard|systemic|therapeutic|treatment|anti-?(?:myeloma|lymphoma|leuka?emia|cancer|tumou?r|neoplastic))\s+){0,3}"
    r"(?:regimens?|lines?(?:\s+of\s+(?:therapy|treatment))?|therap(?:y|ies)|treatments?)",
    re.I,
)
_UPPER_Q = (
    "up to",
    "no more than",
    "not more than",
    "at most",
    "fewer than",
    "less than",
    "a maximum of",
    "maximum of",
)
# the study drug named as a time reference ("within 14 days of first dose of MLN8237")
_REFERENCE = re.compile(
    r"(?:\b(?:a|the)\s+list\s+of\s+|\b(?:before|prior\s+to)\s+(?:taking|receiving|starting)\s+(?:the\s+)?(?:treatment\s+with\s+)?|\bswallow(?:ing)?\s+(?:the\s+)?|\b(?:dose|doses|start|initiation|beginning|commencement|administration|dosing)\s+of\s+(?:the\s+)?(?:study\s+(?:drug|treatment)\s*)?|\bwhile (?:taking|on|receiving)\s+|\btaking\s+(?:the\s+)?study\s+\w+\s*"
    r"|\b(?:starting|initiating|commencing|beginning|initiation\s+of|start\s+of)\s+(?:the\s+)?(?:study\s+)?(?:treatment|therapy|dosing)\s+(?:with|on)\s+(?:the\s+)?"
    r"|\b(?:prior|before)\s+dosing\s+with\s+|\b(?:absorption|metabolism)\s+of\s+(?:the\s+)?"
    r"|\b(?:trial|study|investigational)\s+(?:drug|medication|product|agent|treatment)\s*\(\s*)$",
    re.I,
)
# "within 6 months of the last dose of platinum": a prior therapy, not the study drug
_LAST_DOSE = re.compile(
    r"\blast\s+(?:dose|doses|administration)\s+of\s+(?:the\s+)?(?:prior\s+|previous\s+)?$", re.I
)
_CONTAINING = re.compile(
    r"\s*-?\s*(?:containing|based|including|combination)\s+(?:[\w-]+\s+){0,3}?$", re.I
)


# a treatment that is planned, indicated or impossible, not received: "intent to undergo
# surgery", "scheduled to receive chemoradiation", "not candidates for surgery", "cannot be
# treated with surgery", "the GP regimen is clinically indicated"
_PLANNED_BEFORE = re.compile(
    r"(?:\bintent(?:ion)?\s+to|\bintend\w*\s+to|\bplan(?:s|ned|ning)?\s+(?:to|for)|\bplanned|\bscheduled\s+(?:to|for)|"
    r"\banticipated\s+need|\banticipat\w+|\bcandidates?\s+for|\bamenable\s+to|\bcannot\s+be\s+treated|\bnot\s+(?:be\s+)?(?:treatable|suitable|eligible)|"
    r"\bwill\s+(?:be\s+)?receiv\w*|\bwill\s+have\s+[\w-]+\s+added|\bto\s+undergo|\bready\s+for|\bawaiting|\bin\s+need\s+of|\brequir\w+\s+(?:immediate|urgent)|"
    r"\brecover\w*\s+from|\bresolution\s+of|\bhealing\s+from|\bhealed\s+from|\bcomplications?\s+(?:of|from)|"
    r"\bpatients\s+(?:will\s+)?(?:then\s+)?receive\b|\b(?:willing\w*|agree\w*)\s+to\s+(?:\w+\s+){0,2}?(?:accept|receive|undergo)\b|\baccept\s+|\bwill\s+(?:not\s+)?be\s+(?:administered|given)\s+(?:concurrently\s+)?with)"
    r"[^;.]{0,70}$",
    re.I,
)
# the source of a toxicity that must have resolved ("toxic effects of prior therapy, surgery",
# "toxicity or fatigue from prior cancer treatment"): the condition atom reads it
_TOXIC_CAUSE = re.compile(
    r"\b(?:toxicit(?:y|ies)|toxic\s+effects?|side[\s-]effects?|adverse\s+(?:events?|effects?|reactions?))"
    r"(?:\s+or\s+\w+)?\s+(?:\w+\s+){0,2}?(?:of|from|due\s+to|related\s+to|attributed\s+to|caused\s+by|associated\s+with)\s+[^;.]{0,80}$",
    re.I,
)
_RECOVERY_WORDS = re.compile(r"resol|recover|persist|baseline|not\s+(?:yet\s+)?return", re.I)
# "diabetes requiring insulin", "syndrome that requires systemic steroids or ...": the
# treatment describes the disease (condition.requires_systemic_treatment), unlike
# "patients requiring anticoagulation" or "medical condition requiring immunosuppressants"
_DISEASE_REQUIRING = re.compile(
    r"\b(?P<head>[a-z][\w-]*)\s+(?:that\s+|which\s+)?(?:requir(?:es|ing|ed)|necessitat(?:es|ing))\s+"
    r"(?:the\s+use\s+of\s+|use\s+of\s+|treatment\s+with\s+)?[^;.,()]{0,60}$",
    re.I,
)
_NOT_DISEASE_HEAD = {
    "patients",
    "patient",
    "subjects",
    "subject",
    "participants",
    "who",
    "condition",
    "conditions",
    "women",
    "men",
    "individuals",
    "they",
    "or",
    "and",
    "currently",
    "not",
}
# "brain metastases ... after successful surgical or radiological treatment": how the
# metastases were treated (metastasis.treated), not a prior-therapy limit of its own
_MET_TREATED = re.compile(r"metastas[ie]s\b[^;.]{0,90}?\b(?:after|following)\s+[^;.]{0,45}$", re.I)
# a parenthesis that defines the thing before it: "metastases (indicated by ... steroid requirement)"
_DEFINING_PAREN = re.compile(
    r"\((?:as\s+)?(?:indicated|evidenced|defined|manifested)\s+by\b[^()]*$", re.I
)
# a therapy word that names a receptor or a marker: "Estrogen and/or progesterone receptor"
_NOT_THERAPY_AFTER = re.compile(
    r"^\s*(?:(?:and|or|and/or|/)\s*[\w-]+\s+)?receptors?\b|^\s*(?:procedures?\s+)?manual\b|^[\s-]*(?:sensitivity|sensitive)\b"
    r"|^\s*(?:dose|dosing)\s+(?:adjustments?|modifications?|reductions?)\b",
    re.I,
)
# a therapy named as the time anchor or list-mate of a planned one: "Scheduled to receive
# chemoradiation within 12 weeks of surgery", "not candidates for surgery, TACE, RFA ..."
_PLANNED_CHAIN = re.compile(
    r"^\)?\s*(?:\([^()]{0,30}\)\s*)?(?:,\s*|\s+or\s+|\s+and\s+|\s+and/or\s+|/)*(?:,?\s*(?:or|and)\s+)?(?:other\s+|any\s+)?(?:[\w-]+\s+){0,2}?\(?$"
    r"|^\s*(?:treatment|therapy)?\s*(?:(?:within|at\s+least|no\s+later\s+than|up\s+to)\s+[\w\s]{0,20}?)?\b(?:of|after|following|before|prior\s+to)\s+(?:the\s+)?$",
    re.I,
)
_PLANNED_AFTER = re.compile(
    r"^[^;.]{0,40}?\b(?:is|are|be)\s+(?:clinically\s+)?(?:indicated|planned|scheduled|contraindicated)\b"
    r"|^\s*(?:pneumonitis|field|fibrosis|dermatitis|necrosis|injury|induced|recall|port|portal)\b"
    r"|^[^;.]{0,15}\bwill\s+not\s+be\s+administered",
    re.I,
)


_PRIOR_WINDOW = re.compile(
    r"^[^;.]{0,50}?\bwithin\s+(?:the\s+)?(?:last\s+)?\S+\s+(?:\(\d+\)\s+)?(?:days?|weeks?|months?)\s+(?:before|prior)",
    re.I,
)


def _drop_planned(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> tuple[list[tuple[int, int, dict[str, Any]]], list[tuple[int, int]]]:
    """Drop treatments named as planned, indicated or as the source of a toxicity."""
    out: list[tuple[int, int, dict[str, Any]]] = []
    dropped: list[tuple[int, int]] = []
    recovery = bool(_RECOVERY_WORDS.search(t))
    last_planned = -1
    for a, b, f in sorted(mentions, key=lambda x: x[0]):
        lead = t[max(0, a - 150) : a]
        if _NOT_THERAPY_AFTER.search(t[b : b + 40]):
            dropped.append((a, b))
            continue
        if "modality" in f and f["modality"] == "investigational":
            out.append((a, b, f))
            continue
        if _PRIOR_WINDOW.search(t[b : b + 80]):
            out.append((a, b, f))  # "... within 4 weeks prior to first dose": a washout
            continue
        planned = bool(
            _PLANNED_BEFORE.search(lead[-110:])
            or _PLANNED_AFTER.search(t[b : b + 60])
            or (last_planned >= 0 and last_planned <= a and _PLANNED_CHAIN.match(t[last_planned:a]))
        )
        if planned:
            dropped.append((a, b))
            last_planned = b
            continue
        dm = _DISEASE_REQUIRING.search(lead[-90:])
        if (
            (recovery and _TOXIC_CAUSE.search(lead))
            or (dm and dm.group("head").lower() not in _NOT_DISEASE_HEAD)
            or _MET_TREATED.search(lead)
            or _DEFINING_PAREN.search(lead[-80:])
        ):
            dropped.append((a, b))
            continue
        out.append((a, b, f))
    return out, dropped


def _line_from_count(m: re.Match[str]) -> int:
    """'more than 1 prior regimen' = line 2, 'up to 2' = 3, 'fewer than 3' = 3, 'at least 1' /
    'failed 2 or 3' = 1 / 2 (an upper bound gives the first line it excludes)."""
    q = re.sub(r"\s+", " ", m.group("q").lower())
    n = int(number(m.group("n")))
    if q in ("fewer than", "less than"):
        return n
    if q in ("more than", "greater than", ">", *_UPPER_Q):
        return n + 1
    return n


def _with_line(node: Any, line: int) -> Any:
    """A copy of a therapy expression with another line."""
    if isinstance(node, PriorTherapyAtom):
        return node.model_copy(update={"line": line})
    if isinstance(node, OrNode):
        return node.model_copy(update={"args": [_with_line(x, line) for x in node.args]})
    return None


def _specific_class(cls: str | None, suf: str, has_anti: bool) -> str | None:
    """EGFR antibodies vs EGFR TKIs, VEGFR TKIs: the narrower gold classes."""
    if cls == "egfr_inhibitor":
        if "tki" in suf or "tyrosine" in suf:
            return "egfr_tki"
        if has_anti or "antibod" in suf or "mab" in suf:
            return "anti_egfr"
    if cls == "vegf_inhibitor" and ("tki" in suf or "tyrosine" in suf):
        return "vegfr_tki"
    return cls


@lru_cache(maxsize=1)
def _class_regimens() -> dict[str, str]:
    """Regimens defined by a class ('platinum doublet' = platinum + chemotherapy)."""
    v = vocab()
    out: dict[str, str] = {}
    for r in read_table("regimens.csv"):
        drugs = [d for d in r["drugs"].split("|") if d]
        classes = [d for d in drugs if d not in v.drug_classes and d != "chemotherapy"]
        if classes:
            out[r["regimen"]] = classes[0]
    return out


def _regimen_class(regimen: str) -> str | None:
    return _class_regimens().get(regimen)


def _drop_examples_and_references(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> tuple[list[tuple[int, int, dict[str, Any]]], list[tuple[int, int]]]:
    """Drop drugs named as examples of a class ('Taxan (Paclitaxel, Docetaxel)', 'e.g. X')
    and the study drug used as a time reference ('first dose of X'); their regions come
    back so the kept atoms can cover (explain) them."""
    out: list[tuple[int, int, dict[str, Any]]] = []
    dropped: list[tuple[int, int]] = []
    generic = [(a, b) for a, b, f in mentions if "drug" not in f and "regimen" not in f]
    for a, b, f in mentions:
        if (
            _REFERENCE.search(t[max(0, a - 45) : a])
            and not _LAST_DOSE.search(t[max(0, a - 45) : a])
            # "Administration of metformin within last 4 weeks": the criterion's subject
            and not re.fullmatch(r"\W*(?:administration|use|dosing)\s+of\s+", t[:a], re.I)
        ):
            dropped.append((a, b))
            continue
        if "modality" in f and "drug" not in f and "drug_class" not in f:
            open_ = t.rfind("(", 0, a)
            if open_ > t.rfind(")", 0, a) and re.match(
                r"\s*(?:e\.\s?g\.?|eg\b|for example|such as|i\.\s?e\.?|ie\b)",
                t[open_ + 1 : a],
                re.I,
            ):
                shut = t.find(")", a)
                dropped.append((open_, shut + 1 if shut >= 0 else b))
                continue
        if "drug" in f or ("drug_class" in f and "modality" not in f):
            open_ = t.rfind("(", 0, a)
            close = t.rfind(")", 0, a)
            if open_ > close:
                inner_lead = t[open_ + 1 : a]
                after_class = any(
                    y <= open_ and open_ - y <= 3 and (x, y) != (a, b) for x, y in generic
                )
                shut = t.find(")", a)
                region = (open_, shut + 1 if shut >= 0 else b)
                if re.match(r"\s*(?:e\.\s?g\.|eg\b|for example|such as|i\.e\.)", inner_lead, re.I):
                    dropped.append(region)
                    continue
                timed = re.search(
                    r"\d|\b(?:since|prior|previous|within|weeks?|days?|months?)\b|^\s*(?:or|and)\b",
                    inner_lead,
                    re.I,
                )
                # "a list after 'including' is enumerated" (docs/criteria-gold.md)
                including = re.match(r"\s*(?:including|incl\.)", inner_lead, re.I)
                if after_class and "drug" in f and not timed and not including:
                    dropped.append(region)
                    continue
            lead = t[max(0, a - 60) : a]
            k = max(lead.rfind(";"), lead.rfind(". "))
            em = re.search(
                r"(?:\be\.\s?g\.|\beg\b|\bfor example|\bsuch as|\blike\b)", lead[k + 1 :], re.I
            )
            if em and any(y <= a for x, y in generic):
                dropped.append((max(0, a - 60) + k + 1 + em.start(), b))
                continue
        out.append((a, b, f))
    return out, dropped


_EXCEPT_CUE = re.compile(
    r"\W*(?:\([^()]{0,5})?(?:except(?:\s+for)?|other\s+than|excluding|not\s+including|not\s+counting|apart\s+from|besides|with\s+the\s+exception\s+of|but\s+not)\s+(?:for\s+)?(?:the\s+|low[\s-]dose\s+)?$",
    re.I,
)
# "Prior treatment for AML (excluding supportive care, hydroxyurea, ...)": a cue followed by a
# few words that are no therapy of ours, then the excepted therapies
_EXCEPT_AFTER_WORDS = re.compile(
    r"(?:\bexcept(?:\s+for)?|\bother\s+than|\bexcluding|\bapart\s+from|\bwith\s+the\s+exception\s+of)\s+"
    r"(?:(?!(?:patients?|subjects?|participants?|those|who|with|prior|previous|any)\b)[\w-]+[\s,]+){1,3}$",
    re.I,
)
_EXCEPT_JOIN = re.compile(r"\s*(?:,|/|\bor\b|\band\b|\band/or\b)\s*(?:\w+\s+){0,2}?$", re.I)


def _drop_exceptions(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> tuple[list[tuple[int, int, dict[str, Any]]], list[tuple[int, int]]]:
    """'Anticoagulant except aspirin or heparin flushes': the excepted drugs are no atoms
    of their own (an OR with them would exclude a patient on aspirin); their words are
    covered by the head. PriorTherapyAtom has no exceptions field to hold them."""
    ms = sorted(mentions, key=lambda x: x[0])
    out: list[tuple[int, int, dict[str, Any]]] = []
    dropped: list[tuple[int, int]] = []
    in_exc = False
    for i, (a, b, f) in enumerate(ms):
        gap = t[ms[i - 1][1] : a] if i else ""
        if i and (_EXCEPT_CUE.fullmatch(gap) or _EXCEPT_AFTER_WORDS.search(gap)):
            in_exc = True
        elif not (in_exc and _EXCEPT_JOIN.fullmatch(gap)):
            in_exc = False
        if in_exc:
            tail = re.match(r"(?:[\s-]+(?!or\b|and\b)[a-z]+){0,2}", t[b:])
            dropped.append((ms[i - 1][1], b + (tail.end() if tail else 0)))
            continue
        out.append((a, b, f))
    return out, dropped


_JOINER = re.compile(r"\s*(?:,\s*)?(?:(?:or|and|and/or)\s+)?(?:/\s*)?", re.I)
_EXPLAIN_LEAD = re.compile(r"(?:(?:a|an|potent|strong|moderate|weak|known|other)\s+){0,3}", re.I)
_EQUIVALENT = re.compile(
    r"\s*(?:/\s*(?:day|d)\b|per\s+day|daily)?\s*(?:\(\s*|or\s+(?:its\s+|an?\s+|other\s+)?)?equivalents?\b",
    re.I,
)


def _drop_members(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> tuple[list[tuple[int, int, dict[str, Any]]], list[tuple[int, int]]]:
    """One atom for a class and the members named beside it (docs/criteria-gold.md:
    examples are not atoms). A drug in the list a class heads ("an EGFR-TKI, erlotinib,
    or gefitinib", "inhibitors of CYP3A4: ketoconazole, ...")
    is covered by the class atom (the matcher reads drug classes from drugs.csv); a class
    in brackets explaining the drug before it ("St. John's wort (potent CYP3A4 inducer)")
    is covered by the drug. "Prednisone or equivalent" is the corticosteroid class."""
    classes = vocab().drug_classes
    ms = sorted(mentions, key=lambda x: x[0])
    cls_at = [(a, b, f["drug_class"]) for a, b, f in ms if "drug_class" in f and "drug" not in f]
    drugs_at = [(a, b, f["drug"]) for a, b, f in ms if "drug" in f]
    out: list[tuple[int, int, dict[str, Any]]] = []
    dropped: list[tuple[int, int]] = []
    member_end: dict[str, int] = {}
    for a, b, f in ms:
        sub = (
            f["drug_class"]
            if "drug_class" in f and "drug" not in f and "modality" not in f and "regimen" not in f
            else None
        )
        if ("drug" in f and "regimen" not in f) or sub:
            if sub:
                # a narrower class in the list a class heads ("inhibitors of CYP3A4: azole
                # antifungals, ..., HIV protease inhibitors"): every member is in the head class
                mem = [set(c) for c in classes.values() if sub in c]
                own = set.intersection(*mem) - {sub} if mem else set()
            else:
                own = set(classes.get(f["drug"], []))
            em = _EQUIVALENT.match(t, b)
            if "corticosteroid" in own and em and not sub:
                out.append((a, em.end(), {"drug_class": "corticosteroid"}))
                continue
            hit = False
            for _ca, cb, cls in cls_at:
                if cls not in own:
                    continue
                if cb <= a:
                    prev = max(cb, member_end.get(cls, cb))
                    gap = t[prev:a]
                    colon = t[cb:a]
                    if _JOINER.fullmatch(gap) or (
                        re.match(r"\s*:", colon) and not re.search(r";|\.\s", colon)
                    ):
                        hit = True
                if hit:
                    member_end[cls] = b
                    break
            if hit:
                dropped.append((a, b))
                continue
        if "drug_class" in f and "drug" not in f and "modality" not in f:
            open_ = t.rfind("(", 0, a)
            if open_ > t.rfind(")", 0, a) and _EXPLAIN_LEAD.fullmatch(t[open_ + 1 : a]):
                expl = any(
                    y <= open_
                    and re.fullmatch(r"\s*(?:(?:or|and|,)\s*[\w'.-]+\s*)?", t[y:open_])
                    and f["drug_class"] in classes.get(d, [])
                    for _x, y, d in drugs_at
                )
                if expl:
                    shut = t.find(")", b)
                    dropped.append((open_, shut + 1 if shut >= 0 else b))
                    continue
        out.append((a, b, f))
    return out, dropped


def _merge_containing(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> list[tuple[int, int, dict[str, Any]]]:
    """'Herceptin-containing chemotherapy', 'fludarabine-based regimen': one atom."""
    out: list[tuple[int, int, dict[str, Any]]] = []
    skip: set[int] = set()
    for i, (a, b, f) in enumerate(mentions):
        if i in skip:
            continue
        if "drug" in f or "drug_class" in f:
            for j, (a2, b2, f2) in enumerate(mentions):
                if j == i or j in skip or a2 < b or set(f2) != {"modality"}:
                    continue
                # "taxane-containing chemotherapy": the vocabulary phrase ends in "containing"
                own = re.search(r"(?:containing|based)$", t[a:b], re.I) and re.fullmatch(
                    r"\s*", t[b:a2]
                )
                if a2 - b <= 40 and (own or _CONTAINING.fullmatch(t[b:a2])):
                    f = {**f, "modality": f2["modality"]}
                    b = b2
                    skip.add(j)
                    break
        out.append((a, b, f))
    return out


def _settings_after(t: str, b: int) -> list[re.Match[str]]:
    """Setting phrases right after a therapy, chained: "as adjuvant or for advanced disease"."""
    out: list[re.Match[str]] = []
    while len(out) < 3:
        sm = _SETTING_NEAR.match(t, b)
        if not sm:
            break
        if out:
            gs = [sm.start(g) for g in ("s", "adj", "s3", "s4", "s5") if sm.group(g) is not None]
            gap = t[b : min(gs)] if gs else ""
            if not re.fullmatch(
                r"\s*(?:,|or|and|and/or)?\s*(?:for|in|as|with|during)?\s*(?:the\s+|an?\s+)?(?:treatment\s+of\s+)?",
                gap,
                re.I,
            ):
                break
        out.append(sm)
        b = sm.end()
    return out


def _adj_key(w: str) -> str:
    w = w.lower()
    return _SETTING_MAP.get(w, "neoadjuvant" if w.startswith("neo") else w)


def _setting(s: str) -> str:
    s = re.sub(r"[\s-]+", " ", s.lower())
    words = re.findall(
        r"recurrent|relapsed|metastatic|locally advanced|locoregionally advanced|advanced|unresectable|inoperable|refractory|r/m",
        s,
    )
    kinds = {
        "recurrent"
        if w in ("recurrent", "relapsed")
        else "locally_advanced"
        if w in ("locally advanced", "locoregionally advanced")
        else "advanced"
        if w in ("advanced", "unresectable", "inoperable", "refractory")
        else "recurrent_metastatic"
        if w == "r/m"
        else w
        for w in words
    }
    if "recurrent_metastatic" in kinds or {"recurrent", "metastatic"} <= kinds:
        return "recurrent_metastatic"
    if "metastatic" in kinds and kinds & {"advanced", "locally_advanced"}:
        return "advanced"
    for k in ("metastatic", "recurrent", "locally_advanced", "advanced"):
        if k in kinds:
            return k
    return "metastatic"


# inclusion "Recovered from (the toxic effects of) prior therapy" / "effects of treatment
# have resolved": the patient has no unresolved toxicity (docs/criteria-gold.md)
_RECOVERED = re.compile(
    r"\b(?:(?:have|has|must\s+have|should\s+have)\s+)?(?:fully\s+)?recovered\s+(?:\w+\s+){0,2}?from\s+(?P<o1>[^;.]{3,120})"
    r"|\bresolution\s+(?:to\s+[^;.]{0,60}?\s+)?of\s+(?:all\s+)?(?:acute\s+)?(?P<o2>(?:toxic|adverse|side)[^;.]{0,120})"
    r"|\b(?:toxic\s+)?effects?\s+of\s+(?:prior\s+|previous\s+|the\s+)?(?:treatment|therapy|radiation|radiotherapy)\s+(?:have|has)\s+(?:fully\s+)?resolved",
    re.I,
)
_NOT_BEFORE = re.compile(
    r"(?:\bnot\s+(?:yet\s+)?|\bnever\s+|\bin(?:adequate|complete)(?:ly)?\s+|\bfail\w*\s+to\s+)$",
    re.I,
)


_NOT_RECOVERED = re.compile(
    r"\b(?:not\s+(?:yet\s+|fully\s+|adequately\s+)?recovered|in(?:adequate|complete)\s+recovery|fail\w*\s+to\s+recover|unresolved\s+toxicit\w*)"
    r"\s+(?:\w+\s+){0,2}?(?:from|of|due\s+to)\s+(?P<o>[^;.]{3,120}?)(?=\s+within\b|\s+(?:more|less)\s+than\b|[;.(]|$)",
    re.I,
)


def _extract_recovery(ctx: Ctx) -> list[Found]:
    """Unresolved toxicity named with its cause: NOT(...) for a recovery requirement in an
    inclusion ("Recovered from prior therapy"), the condition itself for "not yet recovered
    from prior surgery" in an exclusion. The cause is covered, not a prior-therapy atom."""
    if not re.search(r"recover|resol", ctx.low):
        return []
    out: list[Found] = []
    if ctx.kind == "exclusion":
        for m in _NOT_RECOVERED.finditer(ctx.text) if may_match(_NOT_RECOVERED, ctx) else ():
            if _PRIOR_WINDOW.search(ctx.text[m.end() : m.end() + 80]):
                continue  # "... surgery within 4 weeks prior to day 1": the washout reads it
            a, b = m.span()
            cond = ctx.mk(ConditionAtom, a, b, condition="toxicity_unresolved", status="active")
            out.append(Found(cond, a, b, priority=6))
        return out
    for m in _RECOVERED.finditer(ctx.text) if may_match(_RECOVERED, ctx) else ():
        if _NOT_BEFORE.search(ctx.text[max(0, m.start() - 20) : m.start()]):
            continue
        a, b = m.span()
        cond = ctx.mk(ConditionAtom, a, b, condition="toxicity_unresolved", status="active")
        out.append(Found(ctx.mk(NotNode, a, b, arg=cond), a, b, priority=6))
    return out


_V = vocab()

# salt forms that follow an INN ("imatinib mesylate", "sunitinib malate"); USP salt nomenclature
_SALT = re.compile(
    r"\s+(?:di)?(?:mesylate|hydrochloride|hcl|citrate|acetate|maleate|tosylate|malate|besylate|sulfate|sulphate|phosphate|sodium|potassium|tartrate|fumarate|succinate)\b",
    re.I,
)

# "at least 4 weeks must have elapsed since the completion of any prior therapy": any
# anticancer therapy, named only by its time
_ANY_PRIOR = re.compile(
    r"\b(?:since|from|after|following)\s+(?:the\s+)?(?:completion|end|last\s+dose)\s+of\s+"
    r"(?P<w>(?:any|all|the)\s+(?:prior|previous)\s+(?:therap(?:y|ies)|treatments?))",
    re.I,
)
# "4 weeks since prior therapy", "21 days from the end of most recent prior therapy": any
# anticancer therapy, named only by the washout counted from it
_SINCE_PRIOR = re.compile(
    r"\b(?:days?|weeks?|wks?|months?)\s+(?:must\s+have\s+(?:elapsed|passed)\s+|have\s+(?:elapsed|passed)\s+|elapsed\s+)?"
    r"(?:since|from)\s+(?:the\s+)?(?:completion\s+of\s+|end\s+of\s+|last\s+dose\s+of\s+)?(?:any\s+|all\s+|the\s+|most\s+recent\s+|last\s+)?"
    r"(?P<w>(?:prior|previous)\s+(?:therap(?:y|ies)|treatments?))\b(?!\s*(?:with|for|of|including|\())",
    re.I,
)
# "metastatic disease after primary standard treatment": the first (curative) treatment
_PRIMARY_TX = re.compile(
    r"\bprimary\s+(?:standard\s+|curative\s+|definitive\s+)?(?:treatment|therapy)\b", re.I
)
# "chemotherapy, immunotherapy or targeted, biologic or tumour embolisation": list words
# that borrow "therapy" from their neighbours
_BARE_KIND = re.compile(
    r"\b(?P<w>targeted|biologic(?:al)?|hormonal|hormone|endocrine|immunologic(?:al)?)\b(?=\s*(?:,|/|\bor\b|\band\b))",
    re.I,
)
_BARE_MAP = {
    "targeted": "targeted_therapy",
    "biologic": "biological_therapy",
    "biological": "biological_therapy",
    "hormonal": "hormonal_therapy",
    "endocrine": "hormonal_therapy",
    "hormone": "hormonal_therapy",
    "immunologic": "immunotherapy",
    "immunological": "immunotherapy",
}
_ANTICANCER_KINDS = frozenset(
    {
        "chemotherapy",
        "radiotherapy",
        "surgery",
        "immunotherapy",
        "targeted_therapy",
        "biological_therapy",
        "systemic_therapy",
        "anticancer_therapy",
        "chemoradiotherapy",
    }
)
_LIST_GAP = re.compile(r"\s*(?:,\s*)?(?:(?:or|and|and/or)\s+)?(?:/\s*)?", re.I)


def _distributed(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> list[tuple[int, int, dict[str, Any]]]:
    """Bare kind words inside a list of therapies (a neighbour on each side, or a therapy
    before and the list going on after)."""
    if not mentions:
        return []
    spans = sorted((a, b) for a, b, _ in mentions)
    anticancer = {(a, b) for a, b, f in mentions if f.get("modality") in _ANTICANCER_KINDS}
    out: list[tuple[int, int, dict[str, Any]]] = []
    for m in _BARE_KIND.finditer(t):
        a, b = m.span("w")
        if any(x < b and a < y for x, y in spans):
            continue
        left = [(x, y) for x, y in spans if y <= a and _LIST_GAP.fullmatch(t[y:a])]
        if not left:
            continue
        if m.group("w").lower() == "hormone" and not any(s_ in anticancer for s_ in left):
            continue  # "surgery, radiation therapy, hormone or chemotherapy"; not "insulin, hormone"
        out.append((a, b, {"modality": _BARE_MAP[m.group("w").lower()]}))
        spans.append((a, b))
        spans.sort()
    return out


# "autologous hematopoietic stem cell transplant", "allogeneic or autologous SCT",
# "allogeneic stem cell or solid organ transplantation": the donor word names the kind of a
# transplant written next to it or shared through a list
_TX_ADJ = re.compile(
    r"\b(?P<adj>allogen?eic|autologous)(?:\s+(?:hematopoietic|haematopoietic|peripheral[\s-]+blood|stem[\s-]+cells?|bone[\s-]+marrow|progenitor[\s-]+cells?)){0,3}",
    re.I,
)
_TX_KINDS = {
    "stem_cell_transplant",
    "autologous_transplant",
    "allogeneic_transplant",
    "organ_transplant",
}
_TX_JOIN = re.compile(r"\s*(?:,\s*)?(?:or|and|and/or|/)\s*|\s*/\s*", re.I)


def _transplant_kinds(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> list[tuple[int, int, dict[str, Any]]]:
    ms = sorted(mentions, key=lambda x: x[0])
    for m in reversed(list(_TX_ADJ.finditer(t))):
        adj = m.group("adj").lower()
        kind = "autologous_transplant" if adj.startswith("auto") else "allogeneic_transplant"
        a, e = m.span("adj")
        if any(x < e and a < y for x, y, _ in ms):
            continue  # already part of a vocabulary phrase
        nxt = [
            (i, x, y, f)
            for i, (x, y, f) in enumerate(ms)
            if x >= e and f.get("modality") in _TX_KINDS
        ]
        if not nxt:
            continue
        i, x, y, f = nxt[0]
        if not t[e:x].strip():
            if f.get("modality") == "stem_cell_transplant" and not set(f) - {"modality"}:
                # "autologous | hematopoietic SCT (HSCT)": the bracketed short form is the same
                pm = re.match(r"\s*\(\s*[^()]{1,15}\)", t[y:])
                if pm:
                    inner = [
                        j
                        for j, (x2, y2, f2) in enumerate(ms)
                        if y < x2 and y2 <= y + pm.end() and f2.get("modality") in _TX_KINDS
                    ]
                    if inner:
                        ms = [mm for j, mm in enumerate(ms) if j not in inner]
                        y = y + pm.end()
                ms[i] = (a, y, {"modality": kind})  # "autologous | hematopoietic SCT"
        elif x >= m.end() and _TX_JOIN.fullmatch(t[m.end() : x]):
            ms.insert(i, (a, m.end(), {"modality": kind}))  # "allogeneic | or | autologous SCT"
    return ms


def _drop_bracketed_abbreviations(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> tuple[list[tuple[int, int, dict[str, Any]]], list[tuple[int, int]]]:
    """'prior radiotherapy (XRT)', 'whole brain radiotherapy (WBRT)': the short form in
    brackets names the same therapy; one atom."""
    ms = sorted(mentions, key=lambda x: x[0])
    out: list[tuple[int, int, dict[str, Any]]] = []
    dropped: list[tuple[int, int]] = []
    for a, b, f in ms:
        if out:
            _pa, pb, pf = out[-1]
            close = re.match(r"\s*\)", t[b:])
            if pf == f and close and re.fullmatch(r"\s*\(\s*", t[pb:a]):
                dropped.append((pb, b + close.end()))
                continue
        out.append((a, b, f))
    return out, dropped


_GENERIC_HEADS = {
    "systemic_therapy",
    "anticancer_therapy",
    "targeted_therapy",
    "biological_therapy",
}


def _drop_generic_heads(
    t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> tuple[list[tuple[int, int, dict[str, Any]]], list[tuple[int, int]]]:
    """A generic head that a class or a combination spells out is one therapy:
    "systemic therapy (including investigational agents) targeting VEGF", "VEGF inhibitor
    class targeted drug", "first-line therapy (platinum doublet + PD-1 antibody)"."""
    ms = sorted(mentions, key=lambda x: x[0])
    drop: set[int] = set()
    for i, (a, b, f) in enumerate(ms):
        if f.get("modality") not in _GENERIC_HEADS or "drug_class" in f or "drug" in f:
            continue
        for j, (a2, b2, f2) in enumerate(ms):
            if j == i:
                continue
            if a2 >= b and "drug_class" in f2:
                gap = t[b:a2]
                if re.fullmatch(r"\s*(?:\([^()]{0,60}\)\s*)?", gap) and re.match(
                    r"(?:targeting|directed|against)\b", t[a2:b2], re.I
                ):
                    drop.add(i)
                    drop.update(k for k, (x, y, _) in enumerate(ms) if b <= x and y <= a2)
            if b2 <= a and "drug_class" in f2 and re.fullmatch(r"\s*(?:class\s+)?", t[b2:a], re.I):
                drop.add(i)
        sh = re.match(r"\s*\(([^()]{5,120})\)", t[b:])
        if sh and re.search(r"\+|\bplus\b|\bcombined with\b", sh.group(1), re.I):
            inner = [j for j, (x, y, _) in enumerate(ms) if b < x and y <= b + sh.end()]
            if len(inner) >= 2:
                drop.add(i)
    out = [m for k, m in enumerate(ms) if k not in drop]
    return out, [(a, b) for k, (a, b, _) in enumerate(ms) if k in drop]


_SENT_END = re.compile(r";|\.\s")
_END_VERB = re.compile(
    r"\b(?:completed|discontinued|stopped|finished)\s+(?:(?:at\s+least|more\s+than|a\s+minimum\s+of|>=?|≥)\s+)?$",
    re.I,
)
_AT_LEAST_BEFORE = re.compile(
    r"(?:at\s+least|more\s+than|greater\s+than|longer\s+than|>=?|≥|minimum\s+(?:of\s+)?|a\s+minimum\s+of\s+|over)\s*$",
    re.I,
)
_NEG_WORD = re.compile(r"\b(?:no|not|without|never|nor)\b", re.I)
# "At least 4 weeks since prior chemotherapy", "More than 2 weeks or 5 half-lives since prior"
_SINCE = re.compile(
    r"(?:(?P<q>at\s+least|more\s+than|greater\s+than|longer\s+than|less\s+than|fewer\s+than|under|within|over|>=?|≥|<=?|≤|minimum\s+(?:of\s+)?)\s*)?"
    r"(?P<v>"
    + WNUM
    + r")\s*(?:\(\d+\)\s*)?(?P<u>days?|weeks?|wks?|months?|years?)(?:\s+or\s+(?:more|longer))?"
    r"(?:\s+or\s+\S+\s+(?:\w+\s+)?half-?\s?lives)?\s+(?:must\s+have\s+(?:elapsed|passed)\s+|have\s+(?:elapsed|passed)\s+|must\s+elapse\s+|elapsed\s+)?"
    r"(?:(?:since|from)\s+(?:the\s+)?(?:last\s+(?:dose|administration)\s+of\s+|completion\s+of\s+|end\s+of\s+)?"
    # "6 weeks have elapsed between completion of XRT and start of trial medication"
    r"|between\s+(?:the\s+)?(?:last\s+(?:dose|administration)\s+of\s+|completion\s+of\s+|end\s+of\s+))",
    re.I,
)
_CONCURRENT_ADJ = re.compile(r"\b(?:concurrent(?:ly)?|concomitant)\s+(?:[\w-]+\s+)?$", re.I)
_WINDOW_OR = re.compile(r"\s*,?\s*or\s+", re.I)
_ANCHOR = re.compile(r"\s*(?:of|from|after|following)\s+[^;.]{0,30}", re.I)


def _identity(t: str, a: int, f: dict[str, Any]) -> tuple[Any, ...]:
    am = _ADJ_SETTING.search(t[max(0, a - 25) : a])
    adj = am.group("s").lower() if am else None
    return (*(f.get(k) for k in ("modality", "drug", "drug_class", "regimen", "setting")), adj)


def _time_fields(
    t: str,
    a: int,
    b: int,
    windows: list[tuple[int, int, int]],
    ongo: list[tuple[int, int]],
    mentions: list[tuple[int, int, dict[str, Any]]],
) -> dict[str, Any]:
    """The washout window and the ongoing cue that belong to one therapy: the nearest
    window after it in its sentence ("X within 4 weeks, Y within 2 weeks"), else the one
    before it unless an ongoing cue comes between ("X within 4 weeks, or concurrent Y");
    "within 28 days ... or within 14 days ..." gives the therapy twice."""

    def sent(x: int, y: int) -> bool:
        lo, hi = min(x, y), max(x, y)
        return not _SENT_END.search(t[lo:hi])

    out: dict[str, Any] = {}
    on = [o for o in ongo if sent(o[0], a) and sent(o[1], b)]
    # "within 12 months of (neo-) adjuvant therapy": a window anchored to the therapy after it
    anchored = {
        w
        for w in windows
        for m in mentions
        if m[0] >= w[1] and m[0] != a and _ANCHOR.fullmatch(t[w[1] : m[0]])
    }
    after = [
        w
        for w in windows
        if w[0] >= b
        and sent(b, w[0])
        and w not in anchored
        and t.count("(", b, w[0]) <= t.count(")", b, w[0])  # not inside a later bracket
    ]
    before = [w for w in windows if w[1] <= a and sent(w[1], a)]
    inside = [w for w in windows if w[0] < b and a < w[1]]
    pick: tuple[int, int, int] | None = None
    if inside:
        pick = inside[0]
    elif after:
        pick = after[0]
    elif before:
        w = before[-1]
        if not any(w[1] <= o[0] and o[1] <= a + 1 for o in on):
            pick = w
    elif windows:
        w = windows[0]
        others = [m for m in mentions if sent(m[1], w[0]) or sent(w[1], m[0])]
        if not others:
            pick = w
    if pick is not None:
        out["within_days"] = pick[2]
        out["_win"] = (pick[0], pick[1])
        nxt = [w for w in windows if w[0] >= pick[1]]
        if nxt and _WINDOW_OR.fullmatch(t[pick[1] : nxt[0][0]]):
            out["_also_within"] = nxt[0][2]
    ongoing = any(
        not any(min(o[1], a) <= w[0] and w[1] <= max(o[0], b) for w in windows) for o in on
    )
    if ongoing:
        out["ongoing"] = True
    return out


@needs_derived(
    derived_gate(
        _V.regimen.keywords | _V.drug.keywords | _V.drug_class.keywords | _V.modality.keywords,
        (
            _TARGET_LIST,
            _TARGET_PRE,
            _TRIAL,
            _TRIAL_OF,
            _RECOVERED,
            _NOT_RECOVERED,
            _TREATMENT_FOR,
            _ANY_PRIOR,
            _SINCE_PRIOR,
            _PRIMARY_TX,
            _CYP,
            _CYP_VERB,
            _SETTING_TX,
            _LINE_COUNT,
        ),
    )
)
def extract_therapy(ctx: Ctx) -> list[Found]:
    return _marrow_extent(ctx, _extract_recovery(ctx) + _extract_therapy(ctx))


# "Radiotherapy to > 25% of bone marrow": the extent is a limit no therapy atom holds, and
# without it an exclusion would catch any radiotherapy. The atom and the unread extent are
# one fact (AND), so in an exclusion's OR a patient with radiotherapy reads unknown.
_MARROW_EXTENT = re.compile(
    r"\s*(?:\([^)]{0,40}\)\s*)?(?:to|of|involving|including|encompassing|covering)\s+"
    r"(?:an?\s+|the\s+)?(?:area\s+(?:of\s+)?)?(?:(?:more|greater)\s+than|>=?|≥|at\s+least|over|"
    r"in\s+excess\s+of|exceeding)?\s*(?:or\s+equal\s+to\s+)?\d+(?:\.\d+)?\s*%\s*(?:or\s+more\s+)?"
    r"(?:of\s+)?(?:the\s+|their\s+|his\s+|her\s+)?(?:[\w-]+\s+){0,3}?(?:bone\s+marrow|marrow|"
    r"ha?ematopoietic)\b(?:\s+(?:reserve|volume|space))?",
    re.I,
)


def _marrow_extent(ctx: Ctx, found: list[Found]) -> list[Found]:
    if "%" not in ctx.text:
        return found
    out: list[Found] = []
    for f in found:
        m = None
        if isinstance(f.expr, PriorTherapyAtom) and f.expr.modality in _RT_MODALITIES:
            m = _MARROW_EXTENT.match(ctx.text, f.end)
        if m is None:
            out.append(f)
            continue
        ext = ctx.mk(UnparsedAtom, m.start() + len(m.group()) - len(m.group().lstrip()), m.end())
        node = ctx.mk(AndNode, f.start, m.end(), args=[f.expr, ext])
        out.append(Found(node, f.start, m.end(), f.priority, f.cover))
    return out


_RT_MODALITIES = frozenset({"radiotherapy", "reirradiation"})


_PERMISSIVE = re.compile(
    r"\b(?:is|are|be|was|were)\s+(?:also\s+)?(?:allowed|permitted|acceptable|eligible)\b|\b(?:allowed|permitted)\s*(?:[.;)]|$)",
    re.I,
)


def _filler_words(
    ctx: Ctx, t: str, mentions: list[tuple[int, int, dict[str, Any]]]
) -> list[tuple[int, int]]:
    """Words beside a therapy that add no limit: verbs of receipt, "other than biopsy",
    "containing", "for any indication", "failure of"."""
    out: list[tuple[int, int]] = []
    from trialscout.criteria.logic import _NEG

    # an exclusion worded as a requirement ("Patients should not have undergone ...") keeps
    # its verb unread: the tree's leading NOT would read it backwards
    excl_neg = ctx.kind == "exclusion" and _NEG.match(t) is not None
    for a, _b, _f in mentions if not excl_neg else ():
        vm = _RECEIPT_VERB.search(t[max(0, a - 40) : a])
        if vm:
            out.append((max(0, a - 40) + vm.start(), max(0, a - 40) + vm.end("v")))
    for _a, b, f in mentions:
        if f.get("modality") == "surgery":
            bm = _BIOPSY_EXCEPT.match(t, b)
            if bm:
                out.append(bm.span())  # surgery already leaves biopsies out (modality biopsy)
    for a, b, f in mentions:
        if "drug" not in f and "drug_class" not in f:
            continue
        # "a gemcitabine containing regimen", "regimen containing irinotecan", "a JAK
        # inhibitor for any indication": words about the drug that add no limit
        cm2 = _CONTAINING_AFTER.match(t, b)
        if cm2:
            out.append(cm2.span())
        cb = _CONTAINING_BEFORE.search(t[max(0, a - 50) : a])
        if cb:
            out.append((max(0, a - 50) + cb.start("w"), max(0, a - 50) + cb.end("w")))
    for _a, b, _f in mentions:
        ar = _ANY_REASON.match(t, b)
        if ar:
            out.append(ar.span())
    if "failure" in ctx.low:
        for a, b, f in mentions:
            if f.get("modality") in _NO_FAILURE_KINDS:
                continue
            fb = _FAILURE_BEFORE.search(t[max(0, a - 90) : a])
            if fb:
                out.append((max(0, a - 90) + fb.start(), a))
            fa = _FAILURE_AFTER.match(t, b)
            if fa:
                out.append((b, fa.end()))
    return out


def _extract_therapy(ctx: Ctx) -> list[Found]:
    v = vocab()
    t = ctx.text
    mentions: list[tuple[int, int, dict[str, Any]]] = []

    def free(a: int, b: int) -> bool:
        return not any(a < y and x < b for x, y, _ in mentions)

    for m in _TARGET_LIST.finditer(t) if may_match(_TARGET_LIST, ctx) else ():
        suf = (m.group("suf") or "").lower()
        has_anti = bool(re.match(r"anti", m.group(0), re.I))
        if not suf and not has_anti:
            continue
        if (
            suf
            in (
                "therapy",
                "therapies",
                "treatments",
                "treatment",
                "drugs",
                "drug",
                "agents",
                "agent",
            )
            and not has_anti
            and not re.search(r"pd|ctla|egfr|her|vegf|parp|cdk|alk|btk", m.group("list"), re.I)
        ):
            continue
        toks = re.findall(_TOK, re.sub(r"\([^()]*\)", " ", m.group("list")), re.I)
        alts: list[dict[str, Any]] = []
        for tok in toks:
            key = re.sub(r"\s+", " ", tok.lower())
            key = {"pd1": "pd-1", "ctla4": "ctla-4", "her-2": "her2", "bcl2": "bcl-2"}.get(key, key)
            cls = _TARGETS.get(key) or _TARGETS.get(key.replace("-", ""))
            if cls and "agonist" in suf:
                cls = cls.replace("_inhibitor", "_agonist")
            cls = _specific_class(cls, suf, has_anti)
            if cls and {"drug_class": cls} not in alts:
                alts.append({"drug_class": cls})
        if len(alts) == 1:
            mentions.append((m.start(), m.end(), alts[0]))
        elif alts:
            mentions.append((m.start(), m.end(), {"_any": alts}))
    for m in _TARGET_PRE.finditer(t) if may_match(_TARGET_PRE, ctx) else ():
        if not free(m.start(), m.end()):
            continue
        listed = re.sub(r"\([^()]*\)", " ", m.group("list")).lower()
        listed = re.sub(r"\s+", " ", listed)
        for spelled, abbr in _SPELLED_TARGETS.items():
            listed = listed.replace(spelled, abbr)
        alts = []
        # "monoclonal antibody or signal transduction inhibitors targeting EGFR": both kinds
        heads = [m.group("head").lower(), *([m.group("pre").lower()] if m.group("pre") else [])]
        for tok in re.findall(_TOK, listed, re.I):
            key = re.sub(r"\s+", " ", tok.lower())
            key = {"pd1": "pd-1", "ctla4": "ctla-4", "her-2": "her2", "bcl2": "bcl-2"}.get(key, key)
            for head in heads:
                cls = _TARGETS.get(key) or _TARGETS.get(key.replace("-", ""))
                if re.search(r"tyrosine|small|signal|tki", head):
                    cls = _specific_class(cls, "tki", False)
                elif "antibod" in head:
                    cls = _specific_class(cls, "antibody", True)
                if cls and {"drug_class": cls} not in alts:
                    alts.append({"drug_class": cls})
        lic = m.group("lic").lower()
        if (
            lic
            and " or " not in lic
            and " and" not in lic
            and re.match(r"investigational|experimental", lic)
        ):
            alts = [{**x, "modality": "investigational"} for x in alts]
        if len(alts) == 1:
            mentions.append((m.start(), m.end(), alts[0]))
        elif alts:
            mentions.append((m.start(), m.end(), {"_any": alts}))
    for m in _CYP.finditer(t) if may_match(_CYP, ctx) else ():
        kinds = {
            "cyp3a4_inducer" if "duc" in k.lower() else "cyp3a4_inhibitor"
            for k in (m.group("k1"), m.group("k2"), m.group("k3"), m.group("k4"))
            if k
        }
        if free(m.start(), m.end()):
            alts = [{"drug_class": c} for c in sorted(kinds, key=lambda c: "inducer" in c)]
            mentions.append((m.start(), m.end(), alts[0] if len(alts) == 1 else {"_any": alts}))
    for m in _CYP_VERB.finditer(t) if may_match(_CYP_VERB, ctx) else ():
        if free(m.start(), m.end()):
            kinds = {
                "cyp3a4_inducer" if k.lower() == "induce" else "cyp3a4_inhibitor"
                for k in (m.group("k1"), m.group("k2"))
                if k
            }
            alts = [{"drug_class": c} for c in sorted(kinds, key=lambda c: "inducer" in c)]
            mentions.append((m.start(), m.end(), alts[0] if len(alts) == 1 else {"_any": alts}))
    for m in _TRIAL.finditer(t) if may_match(_TRIAL, ctx) else ():
        if free(m.start(), m.end()):
            mentions.append((m.start(), m.end(), {"modality": "investigational"}))
    for m in _TRIAL_OF.finditer(t) if may_match(_TRIAL_OF, ctx) else ():
        if free(m.start(), m.end()):
            mentions.append((m.start(), m.end(), {"modality": "investigational"}))
    for pm in v.regimen.find(t):
        if free(pm.start, pm.end):
            rf: dict[str, Any] = {"regimen": pm.id}
            cls = _regimen_class(pm.id)
            if cls:
                rf["drug_class"] = cls
            mentions.append((pm.start, pm.end, rf))
    for pm in v.drug.find(t):
        if free(pm.start, pm.end):
            sm = _SALT.match(t, pm.end)  # "imatinib mesylate": the salt is part of the name
            mentions.append((pm.start, sm.end() if sm else pm.end, {"drug": pm.id}))
    for pm in v.drug_class.find(t):
        if free(pm.start, pm.end):
            mentions.append((pm.start, pm.end, {"drug_class": pm.id}))
    for pm in v.modality.find(t):
        if re.match(r"myelosuppressive", pm.text, re.I) and re.search(
            r"non[\s-]*$", t[max(0, pm.start - 5) : pm.start], re.I
        ):
            continue  # "non-myelosuppressive chemotherapy": not the class the phrase names
        if free(pm.start, pm.end):
            f: dict[str, Any] = {"modality": pm.id}
            if re.search(r"major", t[max(0, pm.start - 12) : pm.end], re.I) and pm.id == "surgery":
                f["major"] = True
            elif (
                re.search(r"minor", t[max(0, pm.start - 12) : pm.end], re.I) and pm.id == "surgery"
            ):
                f["major"] = False
            mentions.append((pm.start, pm.end, f))
    for m in _TREATMENT_FOR.finditer(t):
        fm = _FOR_CANCER.match(t, m.end())
        if (
            fm
            and free(m.start("w"), m.end("w"))
            and (
                fm.group("x").lower().endswith("disease")
                or v.cancer.find(fm.group("x"))
                or re.fullmatch(r"(?:tumou?rs?|cancers?|malignanc(?:y|ies))", fm.group("x"), re.I)
            )
        ):
            mentions.append((m.start("w"), m.end("w"), {"modality": "anticancer_therapy"}))
    for m in _SETTING_TX.finditer(t) if may_match(_SETTING_TX, ctx) else ():
        sw = m.group("set").lower()
        setting = (
            "adjuvant"
            if "adj" in re.sub(r"neo-?\s*adjuvant", "", sw)
            else "neoadjuvant"
            if "adj" in sw
            else "induction"
            if "induction" in sw
            else "maintenance"
        )
        prev = [
            i
            for i, (x, y, f) in enumerate(mentions)
            if y <= m.start() and re.fullmatch(r"[\s-]*", t[y : m.start()]) and "setting" not in f
        ]
        if prev:  # "a platinum-based adjuvant/neoadjuvant regimen": the setting of that therapy
            x, _y, f = mentions[prev[0]]
            mentions[prev[0]] = (x, m.end(), {**f, "setting": setting})
        elif free(m.start(), m.end()):
            mentions.append(
                (m.start(), m.end(), {"modality": "anticancer_therapy", "setting": setting})
            )
    for m in _ANY_PRIOR.finditer(t) if may_match(_ANY_PRIOR, ctx) else ():
        if free(m.start("w"), m.end("w")):
            mentions.append((m.start("w"), m.end("w"), {"modality": "anticancer_therapy"}))
    for m in _SINCE_PRIOR.finditer(t) if may_match(_SINCE_PRIOR, ctx) else ():
        # an exclusion's "at least 4 weeks since" has no safe reading (see _SINCE below):
        # there the bare "prior therapy" would exclude any treated patient
        short = re.search(
            r"(?:less|fewer)\s+than|within|under|<|≤", t[max(0, m.start() - 30) : m.start()], re.I
        )
        if (ctx.kind == "inclusion" or short) and free(m.start("w"), m.end("w")):
            mentions.append((m.start("w"), m.end("w"), {"modality": "anticancer_therapy"}))
    for m in _PRIMARY_TX.finditer(t) if may_match(_PRIMARY_TX, ctx) else ():
        if free(m.start(), m.end()):
            mentions.append(
                (m.start(), m.end(), {"modality": "anticancer_therapy", "setting": "curative"})
            )
    for m in _LINE_COUNT.finditer(t) if may_match(_LINE_COUNT, ctx) else ():
        cm = _COUNT_TAIL.fullmatch(m.group("tail"))
        named_after = re.match(
            r"(?:\s+(?:regimens?|lines?))?\s+(?:of|with|including|containing|consisting)\b",
            t[m.end() :],
            re.I,
        )
        if cm and not named_after and free(m.start(), m.end()):
            mentions.append((m.start("tail"), m.end("tail"), {"modality": "systemic_therapy"}))
    for _a, b, f in list(mentions):
        # "LHRH agonist or antagonist", "GnRH agonist/antagonist": the antagonist class too
        if f.get("drug_class") == "gnrh_agonist" and "drug" not in f:
            am = re.match(r"\s*(?:/|,|or|and/or)\s*(antagonists?)\b", t[b:], re.I)
            if am and free(b + am.start(1), b + am.end(1)):
                mentions.append((b + am.start(1), b + am.end(1), {"drug_class": "gnrh_antagonist"}))
    mentions = _transplant_kinds(t, mentions)
    mentions += _distributed(t, mentions)
    mentions = [
        (a, b, {**f, "modality": "investigational"})
        if "drug_class" in f
        and "modality" not in f
        and (
            (
                re.match(r"(?:investigational|experimental)\b", t[a:b], re.I)
                # "investigational or licensed drug that targets VEGF": any such drug
                and not re.match(r"\w+\s+(?:or|and/or|and)\s", t[a:b], re.I)
            )
            or re.search(r"\b(?:investigational|experimental)\s+$", t[max(0, a - 20) : a], re.I)
        )
        else (a, b, f)
        for a, b, f in mentions
    ]
    mentions, abbrev = _drop_bracketed_abbreviations(t, mentions)
    mentions, generic = _drop_generic_heads(t, mentions)
    generic += abbrev
    mentions, dropped = _drop_examples_and_references(t, mentions)
    dropped += generic
    mentions, excepted = _drop_exceptions(t, mentions)
    dropped += excepted
    mentions, members = _drop_members(t, mentions)
    dropped += members
    mentions = _merge_containing(t, mentions)
    mentions, planned = _drop_planned(t, mentions)
    dropped += planned
    banned: list[Found] = []
    if ctx.kind == "inclusion" and mentions and "(" in t:
        # inclusion "Prior crizotinib (all other ALK inhibitors are excluded)", "(excisional
        # biopsy is not allowed)": a therapy the bracket forbids would read as required; it
        # stays unread
        for bm in _PAREN_BANNED.finditer(t):
            held = [x for x in mentions if bm.start() < x[0] and x[1] <= bm.end()]
            if held:
                mentions = [x for x in mentions if x not in held]
                pa, pb = bm.start() + 1, bm.end() - 1
                banned.append(Found(ctx.mk(UnparsedAtom, pa, pb), pa, pb, priority=5))
    if not mentions:
        return banned
    if ctx.kind == "inclusion" and not _PRIOR_CTX.search(t):
        return banned
    mentions.sort(key=lambda x: x[0])
    # criterion-wide qualifiers
    common: dict[str, Any] = {}
    cover: list[tuple[int, int]] = list(dropped)
    for _a, b, _f in mentions:
        found: list[str] = []
        for sm in _settings_after(t, b):
            adj = next((g for g in ("s3", "s4", "s5") if sm.group(g)), None)
            if adj:
                found.append(_adj_key(sm.group(adj)))
                cover.append((sm.start(adj), sm.end()))
                continue
            g = "s" if sm.group("s") else "s2"
            found.append(_setting(sm.group(g)))
            cover.append(sm.span(g) if g == "s" else (sm.start("adj"), sm.end()))
        # "as adjuvant or for advanced disease": either setting; one value would narrow it
        if found and "setting" not in common and len(set(found)) == 1:
            common["setting"] = found[0]
        fm = _FOR_CANCER.match(t, b)
        if fm and (fm.group("x").lower().endswith("disease") or vocab().cancer.find(fm.group("x"))):
            cover.append((fm.start("x"), fm.end("x")))  # "therapy for renal cell carcinoma"
    if not (ctx.kind == "inclusion" and _PERMISSIVE.search(t)):
        # an inclusion that only permits a therapy ("Patients who received prior tamoxifen are
        # eligible") reads as requiring it (logic.py); its filler stays unread, so the
        # criterion is not called fully parsed
        cover.extend(_filler_words(ctx, t, mentions))
    lm = _LINE.search(t)
    nm = _LINE_COUNT.search(t) if may_match(_LINE_COUNT, ctx) else None
    rm = _LINE_RANGE.search(t) if nm else None
    upper: int | None = None  # the first line an upper bound excludes: NOT(line upper)
    if rm:
        common["line"] = int(number(rm.group("n")))
        upper = int(number(rm.group("m"))) + 1
        cover.append(rm.span())
    if nm:
        if not rm:
            common["line"] = _line_from_count(nm)
            q = re.sub(r"\s+", " ", nm.group("q").lower())
            if q in _UPPER_Q:
                # "up to 2 prior regimens" is NOT(a 3rd line); the words' own leading "No
                # more than" is negated by the tree (logic._NEG), so not twice
                from trialscout.criteria.logic import _NEG

                lead = _NEG.match(t)
                if not (lead and lead.end() >= nm.start()):
                    upper = common.pop("line")
        inside = [a for a, b, _ in mentions if nm.start() <= a < nm.end()]
        cover.append((nm.start(), min(inside) if inside else nm.end()))
    elif lm:
        n = lm.group("n").lower()
        common["line"] = _LINE_N.get(n) or int(n)
        cover.append(lm.span())
    cm = _CYCLES.search(t) if may_match(_CYCLES, ctx) else None
    if cm:
        a = int(number(cm.group("a")))
        al = (cm.group("al") or "").lower()
        if cm.group("b"):
            common["min_cycles"], common["max_cycles"] = a, int(number(cm.group("b")))
        elif al in ("no more than", "up to", "<=", "maximum of"):
            common["max_cycles"] = a
        elif al in ("less than", "fewer than"):
            common["max_cycles"] = a - 1
        elif al == "more than":
            common["min_cycles"] = a + 1
        else:
            common["min_cycles"] = a
        cover.append(cm.span())
    resp: list[str] = []
    for rm in _RESPONSE.finditer(t):
        w = rm.group(0).lower()
        pair = re.match(r"(complete|partial)\s+or\s+(complete|partial)", w)
        if pair:
            for word in pair.groups():
                if (word[0].upper() + "R") not in resp:
                    resp.append(word[0].upper() + "R")
            cover.append(rm.span())
            continue
        code = (
            "CR"
            if w.startswith(("complete", "cr"))
            else "PD"
            if w.startswith("progressive")
            else "PR"
            if w.startswith(("partial", "pr"))
            else "SD"
            if w.startswith(("stable", "sd"))
            else "OR"
            if w.startswith("objective")
            else "DC"
        )
        if code not in resp:
            resp.append(code)
        cover.append(rm.span())
    if resp:
        common["response"] = resp
    windows: list[tuple[int, int, int]] = []
    atleast: set[tuple[int, int]] = set()
    for wm in _WITHIN.finditer(t) if may_match(_WITHIN, ctx) else ():
        u = (wm.group("u") or wm.group("u2") or "").lower()
        if u and not u.startswith("half"):
            val = number(wm.group("v") or wm.group("v2") or "1")
            windows.append((*wm.span(), to_days(val, "w" if u.startswith("wk") else u)))
            cover.append(wm.span())
            if _AT_LEAST_BEFORE.search(t[max(0, wm.start() - 25) : wm.start()]) or re.match(
                r"\s*or\s+(?:more|longer)\b", t[wm.end() :], re.I
            ):
                atleast.add(wm.span())
    unread_windows: list[tuple[int, int]] = []
    exception_windows: dict[tuple[int, int], int] = {}  # window -> where its exception starts
    used_exception: set[tuple[int, int]] = set()
    for sm in _SINCE.finditer(t) if may_match(_SINCE, ctx) else ():
        q = (sm.group("q") or "").lower()
        less = q.startswith(("less", "fewer", "<", "within", "under"))
        if any(w[0] < sm.end() and sm.start() < w[1] for w in windows):
            continue
        cue_m = None
        if not less and ctx.kind == "exclusion":
            from trialscout.criteria.logic import _CUE

            # "X unless progression was documented after XRT and 6 weeks have elapsed between
            # completion of XRT and ...": inside the exception the window reads as in an
            # inclusion (the tree negates the exception)
            cue_m = _CUE.search(t, 0, sm.start())
            if cue_m is None:
                # "at least 4 weeks since" read as an exclusion: no safe reading; the window
                # stays unread beside its therapy (below), never silently dropped
                unread_windows.append(sm.span())
                continue
        u = sm.group("u").lower()
        windows.append(
            (*sm.span(), to_days(number(sm.group("v")), "w" if u.startswith("wk") else u))
        )
        windows.sort()
        cover.append(sm.span())
        if not less:
            atleast.add(sm.span())
            if cue_m is not None:
                exception_windows[sm.span()] = cue_m.start()
    # "must have been completed at least 4 weeks prior", "discontinued X 2 weeks before":
    # the end of the therapy that the window counts from
    for w0, _w1, _d in windows:
        vm = _END_VERB.search(t[max(0, w0 - 40) : w0])
        if vm:
            cover.append((max(0, w0 - 40) + vm.start(), w0))
            atleast.add((w0, _w1))  # "if completed 3 weeks before enrollment": at least
    for a, _b, _f in mentions:
        vm = _END_VERB.search(t[max(0, a - 30) : a])
        if vm and windows:
            cover.append((max(0, a - 30) + vm.start(), a))
    ongo: list[tuple[int, int]] = [om.span() for om in _ONGOING.finditer(t)]
    for a, _b, f in mentions:
        cm = _CONCURRENT_ADJ.search(t[max(0, a - 25) : a])
        if cm and f.get("modality") not in (
            "chemotherapy",
            "radiotherapy",
            "chemoradiotherapy",
            "surgery",
        ):
            ongo.append((max(0, a - 25) + cm.start(), max(0, a - 25) + cm.end()))
    cover.extend(ongo)
    out: list[Found] = []
    negated: dict[tuple[int, int], list[tuple[int, int, Any]]] = {}
    timed = {
        _identity(t, a, f)
        for a, b, f in mentions
        if _time_fields(t, a, b, windows, ongo, mentions) and "_any" not in f
    }
    carry: tuple[tuple[int, int], int] | None = None  # the last local negation and where it ended
    for a, b, f in mentions:
        fields = dict(common)
        fields.update(f)
        tf = _time_fields(t, a, b, windows, ongo, mentions)
        if not tf and _identity(t, a, f) in timed:
            cover.append((a, b))
            continue  # "corticosteroids. Doses > 10 mg prednisone or equivalent within 2 weeks"
        fields.update(tf)
        am = _ADJ_SETTING.search(t[max(0, a - 25) : a])
        if (
            am
            and "setting" not in f
            and not (
                fields.get("ongoing") and am.group("s").lower() in ("concurrent", "concomitant")
            )
        ):
            fields["setting"] = _SETTING_MAP[am.group("s").lower()]
            cover.append((max(0, a - 25) + am.start(), max(0, a - 25) + am.end()))
        win = fields.pop("_win", None)
        if win in exception_windows and (
            a < exception_windows[win]
            or not re.fullmatch(r"\s*(?:(?:any|all|the|prior|previous)\s+)*", t[win[1] : a], re.I)
        ):
            # the exception's window belongs to the therapy it counts from ("since the last
            # dose of X"), not the head's therapy or a later one
            win = None
            fields.pop("within_days", None)
            fields.pop("_also_within", None)
        elif win in exception_windows:
            used_exception.add(win)
        # inclusion "At least 4 weeks since prior chemotherapy": the patient must NOT have had
        # it within 4 weeks (a negation already in the words is the tree's, not ours)
        negate = (
            (ctx.kind == "inclusion" or win in exception_windows)
            and win in atleast
            and not _NEG_WORD.search(
                t[min(win[1], a) : a] if win[1] <= a else t[max(0, a - 40) : a]
            )
        )
        # "patients who have not received prior chemotherapy", "previously untreated with
        # docetaxel": a negation inside the sentence, which the tree's leading-negation rule
        # does not see
        cue = _local_negation(t, a, ctx.kind)
        if (
            cue is None
            and carry is not None
            and re.fullmatch(
                r"\s*(?:,\s*)?(?:(?:or|nor|and|and/or)\s+)?(?:/\s*)?(?:(?:any|other)\s+)?",
                t[carry[1] : a],
                re.I,
            )
        ):
            cue = carry[0]  # "without transfusion or growth factor support": both
        carry = None
        if cue is not None and not negate:
            negate, win = True, cue
            cover.append(cue)
            carry = (cue, b)
        if negate:
            fields.pop("_also_within", None)
            anys = fields.pop("_any", None)
            inner: Any = (
                ctx.mk(
                    OrNode,
                    a,
                    b,
                    args=[ctx.mk(PriorTherapyAtom, a, b, **{**fields, **x}) for x in anys],
                )
                if anys
                else ctx.mk(PriorTherapyAtom, a, b, **fields)
            )
            negated.setdefault(win, []).append((a, b, inner))
            continue
        extra = fields.pop("_also_within", None)
        if extra is not None and "_any" not in fields:
            # "within 28 days ... or within 14 days for peripheral lesions": either window
            both = [
                ctx.mk(PriorTherapyAtom, a, b, **{**fields, "within_days": w})
                for w in (fields.get("within_days"), extra)
            ]
            out.append(Found(ctx.mk(OrNode, a, b, args=both), a, b, priority=5, cover=cover))
            continue
        anys = fields.pop("_any", None)
        if anys:
            atoms = [ctx.mk(PriorTherapyAtom, a, b, **{**fields, **x}) for x in anys]
            out.append(Found(ctx.mk(OrNode, a, b, args=atoms), a, b, priority=5, cover=cover))
            continue
        atom = ctx.mk(PriorTherapyAtom, a, b, **fields)
        out.append(Found(atom, a, b, priority=5, cover=cover))
    for group in negated.values():
        # "At least 4 weeks since prior surgery, chemotherapy, or radiotherapy": none of them
        a0, b0 = group[0][0], group[-1][1]
        inner = (
            group[0][2] if len(group) == 1 else ctx.mk(OrNode, a0, b0, args=[g[2] for g in group])
        )
        # the found claims the first therapy's words only, so atoms of other kinds inside the
        # list ("1 week from completion of chemotherapy" as a time relation) keep theirs
        b1 = group[0][1]
        cover.extend((g[0], g[1]) for g in group[1:])
        out.append(Found(ctx.mk(NotNode, a0, b0, arg=inner), a0, b1, priority=5, cover=cover))
    if upper is not None:
        out = [_bounded(ctx, f, upper, "line" in common) for f in out]
    # an exception's window that no therapy counts from ("unless at least 4 weeks from prior
    # therapy completion") stays unread, like an exclusion's
    unread_windows += [w for w in exception_windows if w not in used_exception]
    for ws, we in unread_windows:
        we = ws + len(t[ws:we].rstrip())
        # the therapy the window counts from: the first one after it, else the last before
        after = [
            i for i, f in enumerate(out) if f.start >= we and not _SENT_END.search(t[we : f.start])
        ]
        before = [
            i for i, f in enumerate(out) if f.end <= ws and not _SENT_END.search(t[f.end : ws])
        ]
        k = after[0] if after else before[-1] if before else None
        if k is None:
            continue
        fo = out[k]
        un = ctx.mk(UnparsedAtom, ws, we)
        node = ctx.mk(AndNode, fo.start, fo.end, args=[fo.expr, un])
        out[k] = Found(node, fo.start, fo.end, fo.priority, fo.cover)
    return out + banned


_LOCAL_NEG = re.compile(
    r"(?:(?<!wom[ae]n )(?<!females )(?<!female )\b(?:who|patients?|subjects?|participants?)\s+(?:who\s+|that\s+)?(?:must\s+|should\s+)?(?:have|has|had)\s+(?:not|never)\s+(?:yet\s+|previously\s+|already\s+)?(?:been\s+)?"
    r"(?:received|had|undergone|treated\s+(?:with|by)|exposed\s+to)"
    r"|\b(?:previously\s+)?untreated\s+(?:with|by)|\bnot\s+(?:been\s+)?previously\s+(?:received|treated\s+(?:with|by)))\b"
    r"(?P<rest>[^;.]{0,200})$",
    re.I,
)
_CLAUSE_BREAK = re.compile(
    r"\b(?:but|however|although|except|unless|who\s+(?:have|has|had)(?!\s+not)|and\s+(?:are|is|have|has)|must|should|will|are\s+required|if|respon\w*|benefit|toxicit\w*|recover\w*|side\s+effects?|adverse)\b|\(",
    re.I,
)


# "Platelets > 100,000 without transfusion support in the past 28 days", "ANC >= 1500 without
# growth factor support": "without" right before the therapy negates it ("with or without
# chemotherapy" names an option, not an absence)
_WITHOUT = re.compile(
    r"(?<!\bwith\sor\s)(?<!\bwith/)(?<!\bwith\s/\s)\bwithout\s+(?:any\s+|the\s+|a\s+)?(?:(?:use|need|requirement|administration)\s+(?:of|for)\s+(?:any\s+|the\s+)?|requiring\s+|receiving\s+|prior\s+|previous\s+|concurrent\s+|concomitant\s+|ongoing\s+|recent\s+|prophylactic\s+)*$",
    re.I,
)


# "without" that names no absence the patient must show: "all subjects without surgical castration
# must have ...", "chemotherapy may be given without bevacizumab", "a washout period without X"
_WITHOUT_NOT_ABSENCE = re.compile(
    r"(?:\b(?:subjects?|patients?|participants?|those|individuals?|women|men|anyone|cases?)\s+(?:who\s+(?:are|were)\s+)?"
    r"|\b(?:may|can|could|will|would|should|must)\s+(?:also\s+)?be\s+(?:given|administered|used|continued|treated|started)\s+|\bwashout\b[^;.]{0,30}|\bdefined\s+as\b[^;.]{0,40})$",
    re.I,
)


def _end_of_word(t: str, a: int) -> int:
    m = re.compile(r"[\w-]+").match(t, a)
    return m.end() if m else a


def _local_negation(t: str, a: int, kind: str) -> tuple[int, int] | None:
    """The negating words before a therapy inside its sentence, unless the criterion's own
    leading negation or "naive" (negated by the tree, logic._NEG / _NAIVE) already covers it."""
    lead_at = max(0, a - 260)
    m = _LOCAL_NEG.search(t[lead_at:a])
    if not m:
        w = _WITHOUT.search(t[max(0, a - 80) : a]) if kind == "inclusion" else None
        if w is not None and (
            _WITHOUT_NOT_ABSENCE.search(t[max(0, a - 80) : max(0, a - 80) + w.start()])
            or re.match(
                r"\s+(?:dosing|doses?|administration|exposure)\b", t[_end_of_word(t, a) :], re.I
            )
        ):
            w = None
        if w is not None:
            from trialscout.criteria.logic import _NEG

            if _NEG.match(t):
                return None
            return (max(0, a - 80) + w.start(), a)
        return None
    if _CLAUSE_BREAK.search(m.group("rest")):
        return None
    from trialscout.criteria.logic import _CUE, _NAIVE, _NEG

    if _NEG.match(t) or (kind == "inclusion" and _NAIVE.search(t)) or _CUE.search(t, 0, a):
        return None  # negated by the tree already (leading negation, "naive", "unless/provided")
    return (lead_at + m.start(), lead_at + m.start("rest"))


def _bounded(ctx: Ctx, f: Found, upper: int, lower: bool) -> Found:
    """'Up to 2 prior regimens': NOT(line 3); 'at least 1 but no more than 3': line 1 AND
    NOT(line 4)."""
    capped = _with_line(f.expr, upper)
    if capped is None:
        return f
    neg = ctx.mk(NotNode, f.start, f.end, arg=capped)
    expr = ctx.mk(AndNode, f.start, f.end, args=[f.expr, neg]) if lower else neg
    return Found(expr, f.start, f.end, priority=f.priority, cover=f.cover)


# ASCII text: these re.I regexes scan as their case-sensitive fold on the lower-cased
# text (`vocab.fast_fold`: same matches, 2.2x faster each); checked by
# tests/criteria/test_speed_fold.py and bench/check_parse_identical.py
_WITHIN = fast_fold(_WITHIN)
_RECOVERY_WORDS = fast_fold(_RECOVERY_WORDS)
