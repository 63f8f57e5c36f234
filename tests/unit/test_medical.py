"""Alerts from a medical history: what is found, what a negation keeps quiet, in which
order the strip shows them."""

from __future__ import annotations

import pytest

from dcms_desktop.domain.medical import ALERT_ORDER, medical_alerts


@pytest.mark.parametrize("history", [None, "", "   ", "Healthy.", "Regular check-ups, no issues"])
def test_a_history_with_nothing_to_flag_gives_no_alert(history: str | None) -> None:
    assert medical_alerts(history) == ()


@pytest.mark.parametrize(
    ("history", "alerts"),
    [
        ("Allergic to penicillin", ("Allergy: penicillin",)),
        ("Amoxicillin allergy", ("Allergy: penicillin",)),
        ("Latex allergy (rash)", ("Allergy: latex",)),
        ("Reaction to lidocaine in 2015", ("Allergy: local anaesthetic",)),
        ("Allergic to penicillin, latex and codeine", ("Allergy: penicillin, latex, codeine",)),
        ("Allergic to shellfish", ("Allergy: shellfish",)),
        ("Allergies: peanuts", ("Allergy: peanuts",)),
        ("Peanut allergy", ("Allergy: peanut",)),
        ("Severe bee sting allergy", ("Allergy: bee sting",)),
        ("Sulfa drug allergy", ("Allergy: sulfa drugs",)),
        ("Has allergies", ("Allergy",)),
        ("Takes warfarin", ("Anticoagulant: warfarin",)),
        ("On Eliquis since 2021", ("Anticoagulant: apixaban",)),
        ("On blood thinners", ("Anticoagulant",)),
        ("Aspirin 75 mg daily", ("Anticoagulant: aspirin",)),
        ("Haemophilia A", ("Bleeding disorder",)),
        ("Type 2 diabetic", ("Diabetes",)),
        ("Takes metformin", ("Diabetes",)),
        ("Pacemaker fitted 2019", ("Heart condition: pacemaker",)),
        ("Heart attack in 2018", ("Heart condition: heart attack or failure",)),
        ("Heart murmur", ("Heart condition",)),
        ("Hypertension, controlled", ("High blood pressure",)),
        ("Pregnant, 20 weeks", ("Pregnant",)),
        ("Breastfeeding", ("Breastfeeding",)),
        ("Asthmatic, uses inhaler", ("Asthma",)),
        ("Epileptic", ("Epilepsy",)),
        ("On alendronate for osteoporosis", ("Bisphosphonates",)),
        ("Chemotherapy last year", ("Immunosuppressed",)),
        ("Hepatitis C", ("Infection control",)),
        ("Chronic kidney disease", ("Kidney disease",)),
        ("Cirrhosis", ("Liver disease",)),
    ],
)
def test_conditions_the_chair_must_know_raise_an_alert(history: str, alerts: tuple) -> None:
    assert medical_alerts(history) == alerts


@pytest.mark.parametrize(
    "history",
    [
        "No known allergies",
        "NKDA",
        "Allergies: none",
        "Allergies - nil",
        "Denies diabetes",
        "Not pregnant",
        "Non-diabetic",
        "No heart problems",
        "Diabetes: no",
        "Family history of heart disease",
        "Mother has diabetes",
        "Had local anaesthetic before without problems",
        "Sensitive teeth",
        "Uses hearing aids",
    ],
)
def test_a_denied_or_someone_elses_condition_raises_no_alert(history: str) -> None:
    assert medical_alerts(history) == ()


def test_a_negation_holds_only_within_its_clause() -> None:
    history = "No allergies, takes aspirin daily. Diabetic but no heart problems"
    assert medical_alerts(history) == ("Anticoagulant: aspirin", "Diabetes")


def test_an_allergen_outside_an_allergy_is_not_an_allergy() -> None:
    assert medical_alerts("Gloves: latex used without trouble") == ()
    assert medical_alerts("Allergic to aspirin") == ("Allergy: aspirin",)


def test_alerts_are_ordered_by_urgency_and_each_is_given_once() -> None:
    history = (
        "Type 1 diabetic on insulin.\n"
        "Takes warfarin for atrial fibrillation.\n"
        "Allergic to latex; penicillin allergy.\n"
        "Pregnant. Diabetes well controlled."
    )
    assert medical_alerts(history) == (
        "Allergy: latex, penicillin",
        "Anticoagulant: warfarin",
        "Heart condition: arrhythmia",
        "Diabetes",
        "Pregnant",
    )


def test_matching_ignores_case() -> None:
    assert medical_alerts("ALLERGIC TO PENICILLIN; WARFARIN") == (
        "Allergy: penicillin",
        "Anticoagulant: warfarin",
    )


def test_every_alert_kind_has_a_place_in_the_order() -> None:
    assert len(set(ALERT_ORDER)) == len(ALERT_ORDER)


@pytest.mark.parametrize(
    ("history", "alerts"),
    [
        ("Penicillin allergy; Takes warfarin", ("Allergy: penicillin", "Anticoagulant: warfarin")),
        ("Asthma; Takes aspirin daily", ("Anticoagulant: aspirin", "Asthma")),
        ("Osteoporosis, takes bisphosphonates", ("Bisphosphonates",)),
        ("Hepatitis B carrier", ("Infection control",)),
        ("Hypothyroidism; Smoker", ()),
        ("None", ()),
    ],
)
def test_the_demo_clinics_histories_read_as_the_desk_expects(history: str, alerts: tuple) -> None:
    assert medical_alerts(history) == alerts
