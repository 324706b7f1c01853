"""The clinical measurements on the bundled rendered clips, whose true head motion is known.

Targets (the issue's item 3): tremor frequency within 0.15 Hz, amplitude within 25 % for tremors of
0.5° or more, on the right axis; jerks >= 6° and < 0.5 s counted exactly, times within 0.1 s, signed;
range of motion within 5° where the head-pose instrument allows; no tremor and no jerks where there
are none; shoulders and shift on the right side.

The angles come from MediaPipe's face mesh, whose limits are not the metrics' to hide: rotation reads
about 10 % low (on the 4 Hz rotation tremor the angles themselves oscillate 15 % less than the head),
rotation saturates near 45–50° and deep chin-down flexion near 40° (beyond, the turn or bend is read
by tracking the face's texture, posture.pipeline.turntrack). Small fast oscillations are read with a gain
that wanders from clip to clip (0.5–1.0 on the tremor clips in the normal pass): the mesh's own response
to a small pose change, not the head-pose fit, the encoding or the spectral code. When a tremor is found,
its amplitude is re-read with a slower landmark path (posture.pipeline.refine: two views, three mesh
passes per frame), which brings every tremor clip within the 25 %. Where a target is out of the
instrument's reach the test asserts what is achieved, guarded just below it, says why, and checks that
the metric is faithful to the measured angles (so a regression in the metrics still fails).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.clips import all_clips, analysed, truth, truth_angles

TREMOR_CLIPS = [
    "tremor_rotation_4hz",
    "tremor_flexion_3hz_small",
    "tremor_tilt_10hz_60fps",
    "tremor_dystonic_2p5hz",
    "tremor_rotation_6hz_small",
    "tremor_flexion_8hz",
    "tremor_tilt_3hz_small",
    "tremor_rotation_12hz_60fps",  # the top of the 2-12 Hz band, which needs 60 fps
]
NO_TREMOR_CLIPS = ["still_neutral", "drift", "jerks", "rom_protocol"]
NO_JERK_CLIPS = ["still_neutral", "drift", "rom_protocol", "sweep_rotation", "sweep_tilt", *TREMOR_CLIPS]
# every clip whose shoulders are level (all keep both shoulders in view; face_lost for 60 % of the clip)
LEVEL_SHOULDER_CLIPS = [name for name in all_clips() if truth(name)["shoulders"] is None]
RAISED_SHOULDER_CLIPS = ["shoulder_left_raised", "shoulder_right_raised"]
# Elevation tolerance. Measured: 1.85 cm for the 3 cm left raise, 2.40 cm for the 2.5 cm right raise,
# 0.0-0.7 cm on level clips. The renders' own silhouettes explain most of the left shortfall: the scan's
# right shoulder top sits 0.4 cm higher than its left, and the renderer's 3 cm lift raises the outer
# shoulder's outline by 2.8 cm (it fades in from the neck); the IPD scale adds its +-7 %.
ELEVATION_CM = 1.5
# Shoulder line on level clips: measured within +-1.5° (the pose points read up to 9°); guard 2°.
LEVEL_LINE_DEG = 2.0
NO_SHIFT_CLIPS = ["still_neutral", "drift", "jerks", "rom_protocol", *TREMOR_CLIPS]

FREQUENCY_HZ = 0.15
AMPLITUDE_REL = 0.25
JERK_TIME_S = 0.1
ROM_DEG = 5.0


def metrics(name: str) -> dict:
    return analysed(name).metrics.to_dict()


def sine_amplitude(name: str, axis: str, frequency_hz: float) -> float:
    """Zero-to-peak amplitude of a least-squares sine at ``frequency_hz`` in the measured angles."""
    result = analysed(name)
    ok = result.face_found
    t = result.t_s[ok]
    y = result.angles[ok, ["rotation", "tilt", "flexion"].index(axis)]
    design = np.column_stack(
        [np.sin(2 * np.pi * frequency_hz * t), np.cos(2 * np.pi * frequency_hz * t), np.ones_like(t), t]
    )
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.hypot(coef[0], coef[1]))


# --- tremor ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TREMOR_CLIPS)
def test_tremor_frequency_amplitude_and_axis(name):
    true = truth(name)["tremor"]
    tremor = metrics(name)["tremor"]
    assert tremor["present"], tremor["reason"]
    assert tremor["axis"] == true["axis"]
    assert tremor["frequency_hz"] == pytest.approx(true["frequency_hz"], abs=FREQUENCY_HZ)
    # the amplitude is the refinement's (posture.pipeline.refine); the first pass read the 8 Hz, 1°
    # flexion tremor at 0.53° (-47 %) and the 3 Hz, 0.6° one at 0.42° (-30 %)
    assert tremor["refinement"]["applied"] is True
    assert tremor["amplitude_deg"] == pytest.approx(true["amplitude_deg"], rel=AMPLITUDE_REL)


@pytest.mark.parametrize("name", TREMOR_CLIPS)
def test_tremor_amplitude_is_faithful_to_the_measured_angles(name):
    # separates the metric's error from the instrument's: the first pass's spectral amplitude must match
    # a direct sine fit to the same (per-frame, first-pass) angles (the irregular 2.5 Hz tremor wanders,
    # a fixed sine catches a little less)
    true = truth(name)["tremor"]
    tremor = metrics(name)["tremor"]
    direct = sine_amplitude(name, true["axis"], true["frequency_hz"])
    assert tremor["refinement"]["first_pass_amplitude_deg"] == pytest.approx(direct, rel=0.05)


@pytest.mark.parametrize("name", TREMOR_CLIPS)
def test_the_refined_amplitude_says_where_it_comes_from(name):
    tremor = metrics(name)["tremor"]
    ref = tremor["refinement"]
    result = analysed(name)
    assert ref["amplitude_deg"] == tremor["amplitude_deg"] == tremor["axes_with_tremor"][0]["amplitude_deg"]
    assert tremor["per_axis"][tremor["axis"]]["peak_amplitude_deg"] == tremor["amplitude_deg"]
    # the sample clips are at most 12 s: re-read whole
    assert ref["start_s"] == pytest.approx(result.t_s[0]) and ref["end_s"] == pytest.approx(result.t_s[-1])
    assert ref["frames"] == result.t_s.size


@pytest.mark.parametrize("name", TREMOR_CLIPS)
def test_a_single_axis_tremor_is_one_tremor_its_cross_talk_is_named_as_such(name):
    tremor = metrics(name)["tremor"]
    assert [p["axis"] for p in tremor["axes_with_tremor"]] == [truth(name)["tremor"]["axis"]]
    for peak in tremor["cross_talk"]:
        assert peak["frequency_hz"] == pytest.approx(tremor["frequency_hz"], abs=0.25)
        assert tremor["per_axis"][peak["axis"]]["cross_talk"] is True
        assert tremor["per_axis"][peak["axis"]]["tremor"] is False
    assert tremor["slow_oscillation"] is None


@pytest.mark.parametrize("name", TREMOR_CLIPS)
def test_the_tremor_spectrum_is_given_with_its_peak(name):
    tremor = metrics(name)["tremor"]
    spectrum = tremor["spectrum"]
    f = np.asarray(spectrum["frequency_hz"])
    assert 50 <= f.size <= 300
    assert f[-1] == pytest.approx(min(12.0, tremor["frame_rate_hz"] / 2), abs=0.1)
    power = np.asarray(spectrum["power"][tremor["axis"]])
    assert power.size == f.size and (power >= 0).all()
    assert f[np.argmax(power)] == pytest.approx(tremor["frequency_hz"], abs=0.1)


@pytest.mark.parametrize("name", NO_TREMOR_CLIPS)
def test_no_tremor_where_there_is_none(name):
    tremor = metrics(name)["tremor"]
    assert tremor["present"] is False and tremor["frequency_hz"] is None
    assert tremor["axes_with_tremor"] == []
    assert tremor["slow_oscillation"] is None
    assert tremor["reason"]
    assert tremor["refinement"] is None  # no tremor: the clip is not re-read


@pytest.mark.parametrize("name", ["still_neutral", "drift"])
def test_a_still_or_swaying_head_is_analysed_and_found_without_tremor(name):
    tremor = metrics(name)["tremor"]
    assert tremor["measured"] is True and tremor["spectrum"] is not None


# --- jerks -----------------------------------------------------------------------------------------


def test_jerks_counted_exactly_with_times_axes_and_signed_sizes():
    true = truth("jerks")["jerks"]
    events = metrics("jerks")["jerks"]["events"]
    assert len(events) == len(true), [(e["t_s"], e["axis"], e["size_deg"]) for e in events]
    words = {"rotation": ("left", "right"), "tilt": ("left", "right"), "flexion": ("down", "up")}
    for event, jerk in zip(events, true, strict=True):
        assert event["t_s"] == pytest.approx(jerk["t_s"], abs=JERK_TIME_S)
        assert event["axis"] == jerk["axis"]
        assert np.sign(event["size_deg"]) == np.sign(jerk["size_deg"])
        assert event["direction"] == words[jerk["axis"]][0 if jerk["size_deg"] > 0 else 1]
        # the face mesh reads brief excursions low (the 6° chin-down jerk reads about 4.9°)
        assert 0.75 * abs(jerk["size_deg"]) <= abs(event["size_deg"]) <= 1.1 * abs(jerk["size_deg"])
        assert event["duration_s"] == pytest.approx(jerk["duration_s"], abs=0.1)


@pytest.mark.parametrize("name", NO_JERK_CLIPS)
def test_no_false_jerks(name):
    jerks = metrics(name)["jerks"]
    assert jerks["count"] == 0, jerks["events"]


# --- range of motion -------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["tilt_left", "tilt_right", "flexion", "extension"])
def test_range_of_motion_within_5_degrees(direction):
    # chin down 45°: the face mesh alone read it 37.7° (it saturates on deep bends); past 30° the
    # texture tracker (posture.pipeline.turntrack) reads the bend too.
    true = truth("rom_protocol")["range_of_motion"][f"{direction}_deg"]
    rom = metrics("rom_protocol")["range_of_motion"]
    assert rom["measured"] is True
    assert rom[f"{direction}_deg"] == pytest.approx(true, abs=ROM_DEG)


@pytest.mark.parametrize("direction", ["rotation_left", "rotation_right"])
def test_range_of_motion_rotation_within_5_degrees(direction):
    # truth 70° / 65°: the face mesh alone saturates near 45–50° (it read 52° / 46°); the turn
    # tracker (posture.pipeline.turntrack) reads 71.7° / 65.9°. The metrics still flag a rotation of
    # rom_rotation_limit_deg (40°) or more as at the instrument's limit, so never "below normal".
    true = truth("rom_protocol")["range_of_motion"][f"{direction}_deg"]
    rom = metrics("rom_protocol")["range_of_motion"]
    assert rom[f"{direction}_deg"] == pytest.approx(true, abs=ROM_DEG)
    assert rom[f"{direction}_at_limit"] is True
    assert rom[f"{direction}_below_normal"] is None


def test_range_of_motion_of_a_single_sweep_marks_the_other_directions_not_attempted():
    rom = metrics("sweep_tilt")["range_of_motion"]
    true = truth("sweep_tilt")["range_of_motion"]
    for direction in ("tilt_left", "tilt_right"):
        assert rom[f"{direction}_deg"] == pytest.approx(true[f"{direction}_deg"], abs=ROM_DEG)
    for direction in ("rotation_left", "rotation_right", "flexion", "extension"):
        assert rom[f"{direction}_deg"] is None and rom[f"{direction}_attempted"] is False
        assert rom[f"{direction}_below_normal"] is None


@pytest.mark.parametrize("name", ["still_neutral", "drift", "jerks", "tremor_rotation_4hz"])
def test_no_range_of_motion_on_a_clip_without_one(name):
    rom = metrics(name)["range_of_motion"]
    assert rom["measured"] is False
    assert "did not move more than 10°" in rom["reason"]
    assert not any(rom[k] for k in rom if k.endswith("_below_normal"))


# --- shoulders and shift ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", RAISED_SHOULDER_CLIPS)
def test_the_raised_shoulder_is_found_on_its_side(name):
    true = truth(name)["shoulders"]
    shoulders = metrics(name)["shoulders"]
    assert shoulders["elevation_method"] == "silhouette contour"
    assert shoulders["higher"] == true["raised"], shoulders["description"]
    assert shoulders["elevation_cm"] == pytest.approx(true["elevation_cm"], abs=ELEVATION_CM)
    # the line joining the shoulders' tops slopes down toward the other side (+ = left lower)
    assert np.sign(shoulders["shoulder_line_deg"]) == (-1 if true["raised"] == "left" else 1)


@pytest.mark.parametrize("name", LEVEL_SHOULDER_CLIPS)
def test_level_shoulders_read_level_without_a_trunk_rotation(name):
    shoulders = metrics(name)["shoulders"]
    assert shoulders["available"] and shoulders["elevation_method"] == "silhouette contour"
    assert shoulders["higher"] == "level", shoulders["description"]
    assert abs(shoulders["shoulder_line_deg"]) <= LEVEL_LINE_DEG
    assert not any("shoulder line slopes" in w for w in shoulders["warnings"])
    assert shoulders["trunk_rotation_deg"] is None
    assert not any("trunk is turned" in w for w in shoulders["warnings"])


def test_shift_direction():
    true = truth("shoulder_left_raised")["shift"]["lateral_cm"]
    shift = metrics("shoulder_left_raised")["shift"]
    # truth 2 cm to the patient's left; reads +1.1 cm: right sign, under the 3 cm "present" threshold
    # that the measurement's own error (up to 2.7 cm on clips without a shift) requires
    assert shift["lateral_cm"] > 0
    assert shift["lateral_cm"] == pytest.approx(true, abs=1.5)


@pytest.mark.parametrize("name", NO_SHIFT_CLIPS)
def test_no_false_shift(name):
    shift = metrics(name)["shift"]
    assert shift["present"] is False and shift["direction"] == "none", shift["description"]


# --- posture ---------------------------------------------------------------------------------------


def truth_time_within_10deg_s(name: str) -> float:
    """Longest run of frames with every true angle within 10° (and the face visible), in seconds."""
    t, angles = truth_angles(name)
    visible = np.asarray(truth(name)["frames"].get("face_visible", [True] * t.size), bool)
    within = (np.abs(angles).max(axis=1) <= 10.0) & visible
    longest = run = 0
    for ok in within:
        run = run + 1 if ok else 0
        longest = max(longest, run)
    return longest * float(np.median(np.diff(t)))


@pytest.mark.parametrize(
    ("name", "expected_s"),
    [("drift", 12.0), ("still_neutral", 4.0), ("rom_protocol", 1.0), ("sweep_rotation", 1.13)],
)
def test_time_within_10_degrees_matches_the_truth(name, expected_s):
    true = truth_time_within_10deg_s(name)
    assert true == pytest.approx(expected_s, abs=0.05)  # the clip is what this test thinks it is
    assert metrics(name)["posture"]["time_within_10deg_s"] == pytest.approx(true, abs=0.2)
