"""The tremor refinement's pure parts (posture.pipeline.refine); its effect on the rendered clips is
checked in test_clinical_accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from posture.metrics.tremor import analyze_tremor
from posture.pipeline.headpose import LEFT_EYE, RIGHT_EYE, canonical_face
from posture.pipeline.refine import (
    face_mirror_map,
    mirror_index_map,
    peak_at,
    refined_tremor,
    tremor_window,
    unmirror,
)


def test_the_face_mirror_map_is_an_involution_that_swaps_the_eyes():
    m = face_mirror_map()
    assert m.shape == (468,)
    assert (m[m] == np.arange(468)).all()
    assert set(m[LEFT_EYE]) == set(RIGHT_EYE) and set(m[RIGHT_EYE]) == set(LEFT_EYE)
    model, _ = canonical_face()
    # a vertex and its mirror image: same height and depth, opposite sides
    assert np.allclose(model[m, 1:], model[:, 1:], atol=0.05)
    assert np.allclose(model[m, 0], -model[:, 0], atol=0.05)


def test_mirror_index_map_of_a_small_symmetric_model():
    model = np.array([[-1.0, 0, 0], [0, 1, 0], [1, 0, 0], [2, 3, 1], [-2, 3, 1]])
    assert mirror_index_map(model).tolist() == [2, 1, 0, 4, 3]


def test_unmirror_undoes_a_horizontal_flip():
    rng = np.random.default_rng(0)
    width = 640
    points = np.column_stack([rng.uniform(0, width, 468), rng.uniform(0, 480, 468), rng.normal(0, 20, 468)])
    m = face_mirror_map()
    # what the mesh would report on image[:, ::-1]: x flipped, the face's sides swapped
    seen_mirrored = points[m].copy()
    seen_mirrored[:, 0] = width - seen_mirrored[:, 0]
    assert np.allclose(unmirror(seen_mirrored, width, m), points)


def _tremor_series(duration_s: float, fs: float = 30.0, strong=(0.0, np.inf)):
    t = np.arange(int(duration_s * fs)) / fs
    amp = np.where((t >= strong[0]) & (t < strong[1]), 1.0, 0.2)
    a = np.zeros((t.size, 3))
    a[:, 2] = amp * np.sin(2 * np.pi * 5.0 * t)
    return t, a


def test_a_short_clip_is_refined_whole():
    t, a = _tremor_series(10.0)
    assert tremor_window(t, a[:, 2], 5.0, window_s=12.0) == (t[0], t[-1])


def test_the_window_is_where_the_tremor_is_strongest():
    t, a = _tremor_series(40.0, strong=(20.0, 32.0))
    start, end = tremor_window(t, a[:, 2], 5.0, window_s=12.0)
    assert end - start == pytest.approx(12.0, abs=0.05)
    assert start == pytest.approx(20.0, abs=0.5)
    # frames without a face count as no tremor
    a[(t >= 20.0) & (t < 32.0), 2] = np.nan
    start, _ = tremor_window(t, a[:, 2], 5.0, window_s=12.0)
    assert not 8.0 < start < 32.0


def test_peak_at_reads_a_sine_as_the_tremor_code_does():
    t, a = _tremor_series(12.0)
    a[:, 2] *= 0.8
    amp = peak_at(t, a, "flexion", 5.0)
    assert amp == pytest.approx(0.8, rel=0.02)
    assert amp == pytest.approx(analyze_tremor(t, a).amplitude_deg, rel=1e-9)
    assert (peak_at(t, a, "flexion", 9.0) or 0.0) < 0.01  # at most a side lobe at another frequency
    assert peak_at(t, np.full_like(a, np.nan), "flexion", 5.0) is None  # no face: no reading


def test_refined_tremor_replaces_only_the_headline_amplitude_and_keeps_the_first_pass():
    t, a = _tremor_series(12.0)
    first = analyze_tremor(t, a)
    out = refined_tremor(first, 1.2, 0.0, 11.97, 360)
    assert out.amplitude_deg == 1.2 and out.axes_with_tremor[0].amplitude_deg == 1.2
    assert out.per_axis["flexion"].peak.amplitude_deg == 1.2
    assert out.frequency_hz == first.frequency_hz and out.regularity == first.regularity
    assert out.per_axis["flexion"].band_power_deg2 == first.per_axis["flexion"].band_power_deg2
    assert out.refinement["first_pass_amplitude_deg"] == first.amplitude_deg
    assert out.refinement["applied"] is True
    kept = refined_tremor(first, None, 0.0, 11.97, 360)
    assert kept.amplitude_deg == first.amplitude_deg and kept.refinement["applied"] is False
    assert out.to_dict()["refinement"]["amplitude_deg"] == 1.2


def test_the_re_read_reports_its_progress_frame_by_frame():
    from pathlib import Path

    from posture.pipeline.refine import refined_angles

    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "tremor_flexion_8hz.mp4"
    calls = []
    t, angles = refined_angles(clip, 1.0, 1.5, progress=lambda *a: calls.append(a), expected=16)
    assert t.size == len(calls) and 14 <= t.size <= 16  # 30 fps: the frames from 1.0 to 1.5 s
    assert t[0] >= 1.0 - 1e-6 and t[-1] <= 1.5 + 1e-6
    assert [c[0] for c in calls] == list(range(1, t.size + 1))
    assert all(c[1] == 16 for c in calls) and calls[-1][2] > 0
    assert np.isfinite(angles).all()


def test_the_protocol_rest_phase_tremor_is_refined_from_the_same_re_read(tmp_path, monkeypatch):
    import json
    import shutil
    from pathlib import Path

    from posture.analysis import analyze
    from posture.pipeline import refine
    from posture.protocol import Marks, Phase, marks_path

    samples = Path(__file__).resolve().parents[1] / "sample_videos"
    clip = tmp_path / "tremor_flexion_8hz.mp4"
    shutil.copy(samples / clip.name, clip)
    truth = json.loads((samples / "tremor_flexion_8hz.truth.json").read_text())["tremor"]
    # The whole 10 s clip marked as the protocol's rest phase.
    marks = Marks(protocol="short", phases=(Phase("rest", "rest", 0.0, 10.0),), completed=False)
    marks_path(clip).write_text(json.dumps(marks.to_dict()))
    reads = []
    real = refine.refined_angles
    monkeypatch.setattr(refine, "refined_angles", lambda *a, **k: reads.append(a[1:3]) or real(*a, **k))

    result = analyze(clip).to_dict()
    rest = result["protocol"]["rest"]["tremor"]
    assert rest["present"] and rest["axis"] == "flexion"
    assert rest["refinement"]["applied"]
    assert rest["amplitude_deg"] == rest["refinement"]["amplitude_deg"]
    assert rest["amplitude_deg"] == pytest.approx(truth["amplitude_deg"], rel=0.25)
    assert rest["refinement"]["first_pass_amplitude_deg"] < 0.7 * truth["amplitude_deg"]  # damped
    assert len(reads) == 1  # the rest phase lies inside the clip's stretch: cut from it, not read again
