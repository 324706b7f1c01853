"""The screening summary: measurements + checklist answers -> a careful, explained conclusion."""

import pytest

from posture.screening import (
    ALL_QUESTIONS,
    PATTERN_QUESTIONS,
    RED_FLAG_QUESTIONS,
    measured_findings,
    screening_summary,
)


def result(rotation=0.0, tilt=0.0, flexion=0.0, tremor=False, jerks=0, face_ratio=1.0, tracked_s=60.0):
    """A minimal result dictionary in the shape of Analysis.to_dict() with the metrics sections."""
    return {
        "posture": {
            "rotation_deg": rotation,
            "tilt_deg": tilt,
            "flexion_deg": flexion,
            "available": True,
            "rotation": {"median_deg": rotation},
            "tilt": {"median_deg": tilt},
            "flexion": {"median_deg": flexion},
        },
        "tremor": {
            "measured": True,
            "present": tremor,
            "frequency_hz": 2.6 if tremor else None,
            "amplitude_deg": 1.5 if tremor else None,
            "axis": "rotation" if tremor else None,
        },
        "jerks": {"count": jerks, "rate_per_min": jerks, "events": []},
        "shoulders": {"available": True, "higher": "level", "elevation_cm": 0.4},
        "shift": {"available": True, "present": False, "lateral_cm": 0.3},
        "quality": {"face_found_ratio": face_ratio, "tracked_duration_s": tracked_s},
    }


ALL_NO = {q.key: False for q in ALL_QUESTIONS}
TENSION = {q.key: False for q in PATTERN_QUESTIONS}


def test_plain_muscle_tension_and_normal_measurements_are_not_consistent():
    summary = screening_summary(result(rotation=2.0, tilt=-1.0), ALL_NO)
    assert summary.consistent_with_neurological_cause is False
    assert not summary.refer_promptly
    assert "muscle tension" in summary.headline
    assert "not a diagnosis" in summary.disclaimer
    assert any("massage" in d for d in summary.drivers)


def test_measured_signs_and_history_are_consistent_and_listed():
    answers = {**ALL_NO, "massage_brief_relief": True, "fluctuates": True}
    summary = screening_summary(result(rotation=-30.0, tremor=True, jerks=3), answers)
    assert summary.consistent_with_neurological_cause is True
    assert "consistent with a neurological cause" in summary.headline
    assert "neurologist or a movement-disorder specialist" in summary.headline
    drivers = " | ".join(summary.drivers)
    assert "head turned 30°" in drivers and "patient's right" in drivers
    assert "head tremor (2.6 Hz, 1.5°, rotation axis)" in drivers
    assert "3 jerks" in drivers
    assert "massage" in drivers and "fluctuate" in drivers


def test_history_alone_can_be_consistent():
    answers = {"therapy_worsens": True, "sensory_trick": True}
    summary = screening_summary(result(), answers)
    assert summary.consistent_with_neurological_cause is True
    assert all(d.startswith("reported:") for d in summary.drivers)


@pytest.mark.parametrize("flag", [q.key for q in RED_FLAG_QUESTIONS])
def test_any_red_flag_means_refer_promptly_regardless_of_measurements(flag):
    summary = screening_summary(result(), {**ALL_NO, flag: True})
    assert summary.refer_promptly
    assert summary.headline.startswith("Refer promptly")
    assert summary.drivers[0].startswith("red flag:")


def test_one_finding_alone_is_not_enough():
    summary = screening_summary(result(tilt=18.0), {})
    assert summary.consistent_with_neurological_cause is None
    assert "not enough on its own" in summary.headline
    assert summary.drivers == [
        "measured: head tilted 18° (left ear toward the left shoulder), median over the clip"
    ]


def test_normal_measurements_without_answers_ask_for_the_checklist():
    summary = screening_summary(result(), {})
    assert summary.consistent_with_neurological_cause is None
    assert "checklist" in summary.headline
    assert any("unanswered" in c for c in summary.caveats)


def test_a_poor_recording_cannot_rule_out_a_neurological_cause():
    summary = screening_summary(result(face_ratio=0.3, tracked_s=3.0), ALL_NO)
    assert summary.consistent_with_neurological_cause is None
    assert any("face was found in only 30%" in c for c in summary.caveats)


def test_no_analysis_rests_on_answers_only():
    assert screening_summary(None, ALL_NO).consistent_with_neurological_cause is None
    summary = screening_summary(None, {"other_neurological": True, "slow_progression": True})
    assert summary.consistent_with_neurological_cause is True
    assert any("no video" in c for c in summary.caveats)


@pytest.mark.parametrize(
    ("posture", "expected"),
    [
        ((9.9, -9.9, 9.9), []),
        ((12.0, 0.0, 0.0), ["head turned 12° (chin to the patient's left), median over the clip"]),
        ((0.0, -15.0, 0.0), ["head tilted 15° (right ear toward the right shoulder), median over the clip"]),
        ((0.0, 0.0, -20.0), ["head bent 20° (chin up, extension), median over the clip"]),
    ],
)
def test_posture_beyond_ten_degrees_is_a_finding(posture, expected):
    assert measured_findings(result(*posture)) == expected


def test_missing_sections_count_as_not_measured():
    assert measured_findings({}) == []
    assert measured_findings({"posture": {"rotation_deg": None}, "jerks": {"count": None}}) == []


def test_a_small_shoulder_difference_is_not_a_finding():
    r = result()
    r["shoulders"] = {"available": True, "higher": "right", "elevation_cm": 1.3}
    assert measured_findings(r) == []


def test_shoulder_and_shift_findings():
    r = result()
    r["shoulders"] = {"available": True, "higher": "left", "elevation_cm": 2.5}
    r["shift"] = {"available": True, "present": True, "lateral_cm": -2.0}
    assert measured_findings(r) == [
        "the patient's left shoulder raised by 2.5 cm",
        "head shifted 2.0 cm to the patient's right (lateral shift)",
    ]


def test_question_keys_are_unique_and_every_question_explains_itself():
    keys = [q.key for q in ALL_QUESTIONS]
    assert len(keys) == len(set(keys))
    assert all(q.text.endswith("?") and q.help and q.finding for q in ALL_QUESTIONS)
