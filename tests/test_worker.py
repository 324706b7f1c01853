"""The second-thread frame worker and the fast landmark reader (one test runs the face mesh: the lean call against MediaPipe's wrapper)."""

from __future__ import annotations

import numpy as np
import pytest
from mediapipe.framework.formats import landmark_pb2

from posture.pipeline.body import BODY_COLUMNS
from posture.pipeline.headpose import face_geometry, head_angles
from posture.pipeline.landmarks import N_LANDMARKS, FaceObservation, landmark_array
from posture.pipeline.worker import FrameWorker
from tests.test_headpose import H, W, synthetic_landmarks


def landmark_list(points: np.ndarray, visibility: bool = False) -> landmark_pb2.NormalizedLandmarkList:
    out = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in points:
        lm = out.landmark.add(x=float(x), y=float(y), z=float(z))
        if visibility:
            lm.visibility = 0.9
    return out


def test_landmark_array_reads_the_serialised_list_exactly():
    rng = np.random.default_rng(1)
    norm = rng.uniform(0.05, 0.95, size=(N_LANDMARKS + 10, 3)).astype(np.float32)  # 478 with irises
    got = landmark_array(landmark_list(norm), 640, 480)
    assert got.shape == (N_LANDMARKS, 3)
    np.testing.assert_array_equal(got, norm[:N_LANDMARKS].astype(float) * [640, 480, 640])


@pytest.mark.parametrize("visibility", [False, True])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_landmark_array_falls_back_on_another_layout(visibility, as_bytes):
    norm = np.full((N_LANDMARKS, 3), 0.5, dtype=np.float32)
    norm[:, 2] = 0.0  # an unset-looking z still comes out as 0
    norm[7] = (0.25, 0.75, -0.125)
    face = landmark_list(norm, visibility=visibility)
    got = landmark_array(face.SerializeToString() if as_bytes else face, 100, 200)
    np.testing.assert_allclose(got[7], (25.0, 150.0, -12.5))
    np.testing.assert_allclose(got[0], (50.0, 100.0, 0.0))


def test_the_lean_mesh_call_reads_what_the_solution_wrapper_reads():
    from pathlib import Path

    from mediapipe.python.solutions import face_mesh

    from posture.pipeline.frames import read_frames
    from posture.pipeline.landmarks import mesh_faces, quiet_stderr

    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "sweep_rotation.mp4"
    _, frames = read_frames(clip)
    images = [f.image for _, f in zip(range(20), frames, strict=False)]
    kw = dict(static_image_mode=False, max_num_faces=1, refine_landmarks=True)
    with quiet_stderr(), face_mesh.FaceMesh(**kw) as wrapped, face_mesh.FaceMesh(**kw) as lean:
        for image in images:
            want = wrapped.process(image).multi_face_landmarks
            got = mesh_faces(lean, image)
            assert len(got) == len(want) == 1
            h, w = image.shape[:2]
            np.testing.assert_array_equal(landmark_array(got[0], w, h), landmark_array(want[0], w, h))
    assert all(image.flags.writeable for image in images)  # the caller's frames are left as they were


def test_the_lean_mesh_call_falls_back_to_the_public_process():
    from types import SimpleNamespace

    from posture.pipeline.landmarks import mesh_faces

    face = landmark_list(np.full((N_LANDMARKS, 3), 0.5, dtype=np.float32))

    class Wrapper:  # no graph internals: a future MediaPipe, or a stand-in
        def process(self, image):
            assert not image.flags.writeable  # handed over read-only, so MediaPipe need not copy it
            return SimpleNamespace(multi_face_landmarks=[face])

    got = mesh_faces(Wrapper(), np.zeros((4, 4, 3), np.uint8))
    assert got == [face.SerializeToString()]


def test_worker_returns_every_frame_in_order():
    poses = [(5.0 * i - 20.0, 2.0 * i - 8.0, 10.0 - 3.0 * i) for i in range(9)]
    image = np.zeros((H, W, 3), np.uint8)
    with FrameWorker(body_stride=0, count_faces=False, depth=2) as worker:
        for i, pose in enumerate(poses):
            obs = None if i == 4 else FaceObservation(points=synthetic_landmarks(pose), n_faces=1)
            worker.submit(i, image, obs)
        rows = worker.finish()
    assert (
        rows.angles.shape == (9, 3)
        and rows.face.shape == (9, 10)
        and rows.body.shape == (9, len(BODY_COLUMNS))
    )
    assert np.isnan(rows.angles[4]).all() and np.isnan(rows.face[4]).all()
    assert np.isnan(rows.body).all(), "no pose model was asked for"
    for i in (0, 3, 8):
        points = synthetic_landmarks(poses[i])
        np.testing.assert_allclose(rows.angles[i], head_angles(points, W, H), atol=1e-9)
        np.testing.assert_allclose(rows.face[i], face_geometry(points))
    np.testing.assert_array_equal(rows.n_faces, [1, 1, 1, 1, 0, 1, 1, 1, 1])


def test_an_error_on_the_worker_thread_reaches_the_caller():
    image = np.zeros((H, W, 3), np.uint8)
    broken = FaceObservation(points=np.zeros((3, 3)), n_faces=1)  # not 468 landmarks
    with FrameWorker(body_stride=0, count_faces=False) as worker:
        worker.submit(0, image, broken)
        with pytest.raises(ValueError):
            for i in range(1, 200):  # the error surfaces on a later submit or on finish
                worker.submit(i, image, None)
            worker.finish()


def test_a_count_never_asked_for_reads_as_no_other_face_after_the_timeout():
    with FrameWorker(body_stride=0, count_faces=False) as worker:
        assert worker.face_count(3, timeout_s=0.05) == 0
        worker.finish()
