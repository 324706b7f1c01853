"""The dashboard's helpers without Streamlit: metric cards, Plotly figures and text formatting."""

from __future__ import annotations

import json

import pytest

from posture.ui.cards import NOT_AVAILABLE, jerk_events, jerk_label, metric_cards
from posture.ui.compat import media_serving_problem
from posture.ui.format import duration_words, progress_text, safe_file_name, sample_clips
from posture.ui.plots import angles_figure, rom_figure, spectrum_figure, unavailable_reason

T = [i / 10 for i in range(50)]


def full_result() -> dict:
    """A result dictionary in the shape of Analysis.to_dict() with every metrics section."""
    rotation = [-25.0 + (i % 3) for i in range(50)]
    rotation[10:13] = [None, None, None]  # face lost
    return {
        "series": {"t_s": T, "rotation_deg": rotation, "tilt_deg": [2.0] * 50, "flexion_deg": [-1.0] * 50},
        "posture": {
            "available": True,
            "rotation_deg": -24.0,
            "rotation": {
                "median_deg": -24.0,
                "direction": "right",
                "band": 2,
                "band_label": "TWSTRS-style band 2 (23–45°), estimated from 24°",
                "share_deviated_pct": 100.0,
            },
            "tilt": {
                "median_deg": 2.0,
                "direction": "neutral",
                "description": "within 3° of neutral",
                "band": 0,
            },
            "flexion": {"median_deg": -1.0, "direction": "neutral", "description": "within 3° of neutral"},
            "deviation_deg": 10.0,
            "time_within_10deg_s": 0.0,
            "time_within_10deg_band": 4,
            "duration_s": 5.0,
            "deviated_any_axis_pct": 100.0,
            "time_within_10deg_note": "the clip is 5 s long, shorter than the 60 s the TWSTRS item observes",
        },
        "tremor": {
            "measured": True,
            "present": True,
            "frequency_hz": 2.6,
            "amplitude_deg": 1.9,
            "axis": "rotation",
            "regularity": 0.8,
            "band_hz": [2.0, 12.0],
            "axes_with_tremor": [{"axis": "rotation", "frequency_hz": 2.6, "amplitude_deg": 1.9}],
            "notes": ["only 5.0 s of head at rest were analysed"],
            "spectrum": {
                "frequency_hz": [0.25 * k for k in range(80)],
                "power": {
                    "rotation": [10.0 if k == 10 else 0.1 for k in range(80)],
                    "tilt": [0.1] * 80,
                    "flexion": [0.1] * 80,
                },
            },
        },
        "jerks": {
            "count": 2,
            "rate_per_min": 24.0,
            "analysed_s": 5.0,
            "events": [
                {"t_s": 3.2, "axis": "tilt", "size_deg": 8.0, "direction": "left", "duration_s": 0.3},
                {"t_s": 1.1, "axis": "rotation", "size_deg": 12.0, "direction": "right", "duration_s": 0.2},
            ],
        },
        "range_of_motion": {
            **{f"{n}_deg": v for n, v in [("rotation_left", 20.0), ("rotation_right", 75.0)]},
            **{f"{n}_deg": 0.0 for n in ("tilt_left", "tilt_right", "flexion", "extension")},
            **{f"{n}_normal_deg": [70.0, 80.0] for n in ("rotation_left", "rotation_right")},
            **{f"{n}_normal_deg": [40.0, 50.0] for n in ("tilt_left", "tilt_right")},
            "flexion_normal_deg": [45.0, 60.0],
            "extension_normal_deg": [45.0, 80.0],
            "rotation_left_below_normal": True,
            "rotation_right_below_normal": False,
            **{f"{n}_below_normal": True for n in ("tilt_left", "tilt_right", "flexion", "extension")},
        },
        "shoulders": {"available": True, "higher": "left", "elevation_cm": 2.4, "shoulder_line_deg": -3.0},
        "shift": {"available": True, "present": True, "lateral_cm": 2.0},
    }


def cards_by_key(result: dict) -> dict:
    return {card.key: card for card in metric_cards(result)}


def test_cards_show_values_directions_bands_and_normal_ranges():
    cards = cards_by_key(full_result())
    rotation = cards["posture_rotation"]
    assert rotation.value == "24.0° right"
    assert "torticollis: chin turned to the patient's right" in rotation.lines
    assert any("TWSTRS-style band 2" in line for line in rotation.lines)
    assert any(line.startswith("healthy:") for line in rotation.lines)
    assert cards["posture_tilt"].value == "2.0° left"
    assert cards["posture_tilt"].lines[0] == "laterocollis: within 3° of neutral"
    assert cards["posture_flexion"].value == "1.0° chin up"
    assert cards["tremor"].value == "2.6 Hz"
    assert "amplitude 1.9° (zero-to-peak)" in cards["tremor"].lines
    assert "axis: rotation, 'no-no'" in cards["tremor"].lines
    assert cards["tremor"].notes == ("only 5.0 s of head at rest were analysed",)
    assert cards["jerks"].value == "2"
    assert "largest 12° (rotation, right) at 1.1 s" in cards["jerks"].lines
    assert cards["time_within_10deg"].value == "0.0 s"
    assert cards["range_of_motion"].value == "5 of 6 low"
    assert "Turn right: 75° (healthy 70–80°)" in cards["range_of_motion"].lines
    assert cards["shoulders"].value == "left +2.4 cm"
    assert any("shifted 2.0 cm to the patient's left" in line for line in cards["shoulders"].lines)
    assert all(card.available for card in cards.values())
    # The screening's findings are flagged on their cards.
    flags = {key: (card.flag, card.flag_is_finding) for key, card in cards.items() if card.flag}
    assert flags == {
        "posture_rotation": ("beyond 10°", True),
        "tremor": ("tremor found", True),
        "jerks": ("jerks found", True),
        "range_of_motion": ("under the healthy range", False),
        "shoulders": ("shoulder raised, head shifted", True),
    }


def test_missing_sections_say_not_available_and_why():
    cards = cards_by_key({"posture": {"rotation_deg": None, "tilt_deg": None, "flexion_deg": None}})
    assert all(not card.available and card.value == NOT_AVAILABLE for card in cards.values())
    assert all(card.reason for card in cards.values())


def test_sections_that_could_not_be_measured_give_their_reason():
    result = full_result()
    result["tremor"] = {"measured": False, "present": False, "reason": "the frame rate is too low"}
    result["jerks"] = {"count": None, "reason": "no tracked stretch"}
    result["shoulders"] = {"available": False, "reason": "the shoulders are out of view"}
    cards = cards_by_key(result)
    assert cards["tremor"].reason == "the frame rate is too low"
    assert cards["jerks"].reason == "no tracked stretch"
    assert cards["shoulders"].reason == "the shoulders are out of view"


def test_no_tremor_is_a_value_not_a_gap():
    result = full_result()
    result["tremor"] = {"measured": True, "present": False, "band_hz": [2.0, 12.0], "analysed_s": 20.0}
    card = cards_by_key(result)["tremor"]
    assert card.available and card.value == "none found"
    assert "no tremor found in the analysed band (2–12.0 Hz)" in card.lines


def test_a_refined_tremor_amplitude_says_where_it_comes_from():
    result = full_result()
    result["tremor"]["refinement"] = {
        "applied": True,
        "start_s": 0.0,
        "end_s": 4.9,
        "first_pass_amplitude_deg": 1.2,
        "amplitude_deg": 1.9,
    }
    card = cards_by_key(result)["tremor"]
    assert "amplitude 1.9° (zero-to-peak)" in card.lines
    assert card.notes[-1] == (
        "amplitude from a slower, more faithful second reading over 0.0–4.9 s "
        "(the normal pass read 1.2°, damped by the face mesh)"
    )
    result["tremor"]["refinement"]["applied"] = False
    assert not any("second reading" in n for n in cards_by_key(result)["tremor"].notes)


def test_jerks_are_listed_in_time_order_with_labels():
    events = jerk_events(full_result())
    assert [e["t_s"] for e in events] == [1.1, 3.2]
    assert jerk_label(events[0], 1) == "Jerk 1 at 1.1 s: rotation, 12° to the right"


def test_angles_figure_has_three_panels_bands_gaps_and_jerks():
    fig = angles_figure(full_result())
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["Rotation", "Tilt", "Flexion / extension"]
    assert lines[0].y[10] is None  # a gap stays a gap
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(bands) == 3 and all((s.y0, s.y1) == (-10, 10) for s in bands)
    jerk_marks = [t for t in fig.data if t.name == "jerk"]
    assert sorted(x for t in jerk_marks for x in t.x) == [1.1, 3.2]
    jerk_lines = [s for s in fig.layout.shapes if s.type == "line" and s.x0 in (1.1, 3.2)]
    assert len(jerk_lines) == 2 * 3  # a dotted line across each of the three panels
    assert angles_figure({"series": {"t_s": []}}) is None


def test_spectrum_figure_shades_the_band_and_marks_the_peak():
    fig = spectrum_figure(full_result())
    band = [s for s in fig.layout.shapes if s.type == "rect"]
    assert (band[0].x0, band[0].x1) == (2.0, 12.0)
    peak = next(t for t in fig.data if t.name == "tremor peak")
    assert peak.x == (2.6,)
    assert "2.60 Hz" in peak.text[0]
    result = full_result()
    del result["tremor"]["spectrum"]
    assert spectrum_figure(result) is None
    assert "not available" in unavailable_reason(result, "spectrum")


def test_rom_card_names_directions_not_attempted_and_limits():
    result = full_result()
    rom = result["range_of_motion"]
    rom.update(measured=True, tilt_left_deg=None, tilt_left_below_normal=None)
    rom.update(rotation_right_deg=68.0, rotation_right_at_limit=True, rotation_right_below_normal=None)
    card = cards_by_key(result)["range_of_motion"]
    assert card.value == "4 of 5 low"
    assert "Tilt left: not attempted" in card.lines
    assert "Turn right: 68° or more (limit of the measurement) (healthy 70–80°)" in card.lines
    texts = list(rom_figure(result).data[1].text)
    assert texts[1] == "≥ 68° (limit)" and texts[2] == "not attempted"
    result["range_of_motion"] = {"measured": False, "reason": "the clip holds no range-of-motion movement"}
    card = cards_by_key(result)["range_of_motion"]
    assert not card.available and card.reason == "the clip holds no range-of-motion movement"
    assert rom_figure(result) is None
    assert "no range-of-motion movement" in unavailable_reason(result, "rom")


def test_rom_figure_draws_measured_bars_over_healthy_ranges():
    fig = rom_figure(full_result())
    healthy, measured = fig.data
    assert list(healthy.base) == [70.0, 70.0, 40.0, 40.0, 45.0, 45.0]
    assert list(measured.x) == [20.0, 75.0, 0.0, 0.0, 0.0, 0.0]
    assert measured.text[0] == "20° – low" and measured.text[1] == "75°"
    assert rom_figure({}) is None


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.2, "under a second"), (12.4, "about 12 s"), (80, "about 1 min 20 s"), (120, "about 2 min")],
)
def test_duration_words(seconds, words):
    assert duration_words(seconds) == words


def test_progress_text_counts_frames_and_time_left():
    assert progress_text("Analysing a.mp4", 100, 400, 10.0) == (
        0.25,
        "Analysing a.mp4: frame 100 of 400, about 30 s left",
    )
    assert progress_text("Analysing", 2, 400, 0.1)[1].endswith("estimating time left")
    assert progress_text("Analysing", 50, 0, 4.0) == (None, "Analysing: frame 50 (4 s so far)")


def test_safe_file_name_keeps_the_name_and_drops_folders():
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("Séance 3 (Mme X).MOV") == "S_ance 3 _Mme X_.MOV"
    assert safe_file_name("") == "clip.mp4"


def test_sample_clips_are_labelled_from_their_truth(tmp_path):
    (tmp_path / "hold_left.mp4").write_bytes(b"")
    (tmp_path / "hold_left.truth.json").write_text(json.dumps({"description": "Head held left."}))
    (tmp_path / "notes.txt").write_text("")
    assert sample_clips(tmp_path) == [(tmp_path / "hold_left.mp4", "hold left – Head held left.")]
    assert sample_clips(tmp_path / "missing") == []


@pytest.mark.parametrize(
    ("streamlit", "starlette", "broken"),
    [((1, 60, 0), (1, 10, 0), True), ((1, 60, 0), (1, 7, 0), False), ((1, 67, 0), (1, 10, 0), False)],
)
def test_the_known_bad_web_package_combination_is_recognised(streamlit, starlette, broken):
    assert (media_serving_problem(streamlit, starlette) is not None) == broken
