"""Alerts from a patient's medical history: what the chair must know before treating.

The history is free text typed at the desk ("Allergic to penicillin. Takes warfarin.
Type 2 diabetic, no heart problems."). :func:`medical_alerts` finds the terms a dental
team must not miss and returns short alerts for the strip shown wherever the patient is:
``("Allergy: penicillin", "Anticoagulant: warfarin", "Diabetes")``.

It reads sentence by sentence and, within one, clause by clause (split at commas and "but"),
and a term in a clause that says it isn't so ("no allergies", "denies diabetes", "not
pregnant", "family history of heart disease", "Allergies: none") raises no alert. When in
doubt it alerts: a needless alert costs a glance, a missed one can cost a patient.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALLERGY = "Allergy"
ANTICOAGULANT = "Anticoagulant"
BLEEDING = "Bleeding disorder"
HEART = "Heart condition"
BLOOD_PRESSURE = "High blood pressure"
DIABETES = "Diabetes"
PREGNANT = "Pregnant"
BREASTFEEDING = "Breastfeeding"
ASTHMA = "Asthma"
EPILEPSY = "Epilepsy"
BISPHOSPHONATES = "Bisphosphonates"
IMMUNOSUPPRESSED = "Immunosuppressed"
INFECTION = "Infection control"
KIDNEY = "Kidney disease"
LIVER = "Liver disease"

ALERT_ORDER: tuple[str, ...] = (
    ALLERGY,
    ANTICOAGULANT,
    BLEEDING,
    HEART,
    BLOOD_PRESSURE,
    DIABETES,
    PREGNANT,
    BREASTFEEDING,
    ASTHMA,
    EPILEPSY,
    BISPHOSPHONATES,
    IMMUNOSUPPRESSED,
    INFECTION,
    KIDNEY,
    LIVER,
)
"""Alert kinds, most urgent for the chair first: the order of :func:`medical_alerts`."""


@dataclass(frozen=True)
class _Term:
    kind: str
    pattern: re.Pattern[str]
    detail: str | None = None
    allergen: bool = False
    """Counts only where the sentence speaks of an allergy ("allergic to latex")."""
    otherwise: str | None = None
    """The kind it is outside an allergy ("takes aspirin daily": an anticoagulant)."""


def _term(kind: str, words: str, detail: str | None = None) -> _Term:
    return _Term(kind, re.compile(rf"\b(?:{words})\b", re.IGNORECASE), detail)


def _allergen(words: str, detail: str, otherwise: str | None = None) -> _Term:
    pattern = re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
    return _Term(ALLERGY, pattern, detail, allergen=True, otherwise=otherwise)


_TERMS: tuple[_Term, ...] = (
    _allergen(r"penicillins?|amoxicill?in|augmentin|ampicillin", "penicillin"),
    _allergen(r"latex", "latex"),
    _allergen(
        r"lidocaine|lignocaine|articaine|mepivacaine|(?:local )?ana?esthetics?",
        "local anaesthetic",
    ),
    _allergen(r"aspirin", "aspirin", otherwise=ANTICOAGULANT),
    _allergen(r"ibuprofen|nsaids?|naproxen|diclofenac", "NSAIDs"),
    _allergen(r"codeine", "codeine"),
    _allergen(r"sulfa|sulpha|sulfonamides?", "sulfa drugs"),
    _allergen(r"iodine", "iodine"),
    _allergen(r"chlorhexidine", "chlorhexidine"),
    _allergen(r"clindamycin", "clindamycin"),
    _allergen(r"erythromycin", "erythromycin"),
    _allergen(r"nickel", "nickel"),
    _term(ANTICOAGULANT, r"warfarin|coumadin", "warfarin"),
    _term(ANTICOAGULANT, r"heparin|enoxaparin|clexane", "heparin"),
    _term(ANTICOAGULANT, r"apixaban|eliquis", "apixaban"),
    _term(ANTICOAGULANT, r"rivaroxaban|xarelto", "rivaroxaban"),
    _term(ANTICOAGULANT, r"dabigatran|pradaxa", "dabigatran"),
    _term(ANTICOAGULANT, r"edoxaban", "edoxaban"),
    _term(ANTICOAGULANT, r"clopidogrel|plavix", "clopidogrel"),
    _term(ANTICOAGULANT, r"anti-?coagulants?|anti-?coagulation|blood[- ]thinners?"),
    _term(BLEEDING, r"ha?emophilia|von willebrand|bleeding disorders?|thrombocytopenia"),
    _term(HEART, r"pacemakers?", "pacemaker"),
    _term(
        HEART,
        r"(?:artificial|prosthetic|replaced|mechanical) (?:heart )?valves?|valve replacement",
        "valve replacement",
    ),
    _term(HEART, r"endocarditis", "endocarditis"),
    _term(HEART, r"angina", "angina"),
    _term(HEART, r"atrial fibrillation|a-?fib|arrh?ythmias?", "arrhythmia"),
    _term(
        HEART,
        r"heart (?:attacks?|failure)|myocardial infarctions?|cardiac arrest",
        "heart attack or failure",
    ),
    _term(HEART, r"heart|cardiac|coronary|stents?"),
    _term(BLOOD_PRESSURE, r"hypertension|hypertensive|high blood pressure|high bp"),
    _term(DIABETES, r"diabet(?:es|ic)|insulin|metformin|t[12]dm?|iddm|niddm"),
    _term(PREGNANT, r"pregnant|pregnancy|expecting a baby"),
    _term(BREASTFEEDING, r"breast-?feeding|nursing mother|lactating"),
    _term(ASTHMA, r"asthma(?:tic)?|inhalers?|salbutamol|ventolin"),
    _term(EPILEPSY, r"epilepsy|epileptic|seizures?|convulsions?"),
    _term(
        BISPHOSPHONATES,
        r"bisphosphonates?|alendronate|fosamax|risedronate|zoledronic(?: acid)?|"
        r"ibandronate|denosumab|prolia",
    ),
    _term(
        IMMUNOSUPPRESSED,
        r"chemo(?:therapy)?|radiotherapy|radiation therapy|immunosuppress\w*|"
        r"organ transplant|(?:kidney|liver|heart|lung) transplant|transplant recipient",
    ),
    _term(INFECTION, r"hepatitis|hep [bc]|hiv|tuberculosis"),
    _term(KIDNEY, r"kidney (?:disease|failure)|renal (?:disease|failure)|dialysis"),
    _term(LIVER, r"liver (?:disease|failure)|cirrhosis"),
)

_SENTENCES = re.compile(r"[.;\n\r]+")
_CLAUSES = re.compile(r",|\bbut\b|\bhowever\b|\bexcept\b|\bapart from\b", re.IGNORECASE)
# Where a sentence speaks of an allergy; what follows may name the allergen.
_ALLERGY_CUE = re.compile(
    r"\b(?:allerg(?:y|ies|ic)|anaphyla\w*|intoleran(?:t|ce)|"
    r"(?:reactions?|reacted|reacts|sensitive|sensitivity)(?=\s+(?:to|with|from)\b))\b"
    r"(?:\s+(?:to|with|from))?\s*[:\-]?\s*",
    re.IGNORECASE,
)
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|non|nor|never|denies|denied|without|negative for|nkda|nkma|ruled out|"
    r"family history of|family hx of|mother|father|sister|brother)\b",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(
    r"^\W*(?:none|no|nil|negative|denied|n/?a|not known|unknown)\b", re.IGNORECASE
)
_NOT_ALLERGENS = frozenset(
    {"a", "an", "the", "has", "have", "had", "known", "severe", "mild", "with", "of", "and", "or"}
)
_ALLERGEN_WORDS = re.compile(r"[^\W\d_][\w' -]*")
MAX_ALLERGEN_LENGTH = 30


def medical_alerts(history: str | None) -> tuple[str, ...]:
    """The alerts a medical history calls for, most urgent first, each once: "Allergy:
    penicillin, latex", "Anticoagulant: warfarin", "Diabetes", ... Empty for no history."""
    if not history or not history.strip():
        return ()
    details: dict[str, list[str]] = {}
    for sentence in _SENTENCES.split(history):
        for kind, detail in _sentence_alerts(sentence):
            found = details.setdefault(kind, [])
            if detail is not None and detail not in found:
                found.append(detail)
    alerts = []
    for kind in ALERT_ORDER:
        if kind in details:
            named = details[kind]
            alerts.append(f"{kind}: {', '.join(named)}" if named else kind)
    return tuple(alerts)


def _sentence_alerts(sentence: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    speaks_of_allergy = False
    named: str | None = None
    for clause in _CLAUSES.split(sentence):
        cue = next(
            (c for c in _ALLERGY_CUE.finditer(clause) if not _negated(clause, c.start(), c.end())),
            None,
        )
        if cue is not None:
            speaks_of_allergy = True
            named = (
                named
                or _named_allergen(clause[cue.end() :])
                or _allergen_before(clause[: cue.start()], cue.group(0))
            )
        found.extend(_clause_alerts(clause, allergy=speaks_of_allergy))
    if speaks_of_allergy and not any(kind == ALLERGY for kind, _ in found):
        found.append((ALLERGY, named))
    return found


def _clause_alerts(clause: str, *, allergy: bool) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    taken: list[tuple[str, int, int]] = []
    for term in _TERMS:
        for match in term.pattern.finditer(clause):
            if any(
                kind == term.kind and start <= match.start() < end for kind, start, end in taken
            ):
                continue  # "heart" in "heart attack", already read as the longer term
            if _negated(clause, match.start(), match.end()):
                continue
            taken.append((term.kind, match.start(), match.end()))
            if not term.allergen or allergy:
                found.append((term.kind, term.detail))
            elif term.otherwise is not None:
                found.append((term.otherwise, term.detail))
    return found


def _negated(clause: str, start: int, end: int) -> bool:
    """True when the clause says the term at [start, end) isn't so for this patient."""
    return bool(_NEGATION_BEFORE.search(clause[:start]) or _NEGATION_AFTER.search(clause[end:]))


def _allergen_before(before: str, cue: str) -> str | None:
    """What comes before "allergy", when it reads as an allergen: "Peanut allergy"."""
    if not cue.strip().lower().startswith("allergy"):
        return None
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", before) if w.lower() not in _NOT_ALLERGENS]
    return " ".join(words[-2:]).lower() or None


def _named_allergen(rest: str) -> str | None:
    """What follows "allergic to", when it reads as an allergen: "shellfish"."""
    match = _ALLERGEN_WORDS.match(rest.strip())
    if match is None:
        return None
    words = " ".join(match.group(0).split()).lower()
    if not words or len(words) > MAX_ALLERGEN_LENGTH:
        return None
    return words
