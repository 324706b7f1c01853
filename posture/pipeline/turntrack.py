"""Stage 3b: large head turns and bends, read by tracking the face's texture past the face mesh's range.

Why
---
The face mesh's landmarks stop following the face beyond about 45-50 deg of rotation: their 2D
positions saturate (the nose tip stays about as far from the eye corners at 70 deg as at 50 deg),
so no fit of the generic face to them, affine or perspective, all points or the near half, reads
the turn. A deep chin-down bend saturates the same way (45 deg reads about 39). The image itself
keeps changing, though: the near cheek, eye, brow, nose and mouth stay in view and move with the head.

Method
------
1. *Anchor.* While the mesh reads the face well (``|rotation|`` and ``|flexion| <= ANCHOR_DEG``), its
   468 landmark positions, the frame and the mesh's head rotation are kept as the anchor (no work
   per frame: the frame is kept as it is, and only turned grey once tracking starts).
2. *Track.* Once the mesh reads more, the anchor's landmark positions are followed from frame to
   frame with pyramidal Lucas-Kanade optical flow (forward-backward checked). A point that fails
   the check, or whose generic surface normal turns away from the camera (self-occlusion: such a
   point slides along the silhouette), is dropped for good.
3. *Pose.* The surviving points are given the 3D positions of their vertices on MediaPipe's generic
   canonical face, and a perspective pose (pinhole, focal length from the assumed field of view) is
   fitted with a Huber loss. The face's distance from the camera is held at its value at the anchor
   (a turn moves the face by a few cm at most): with the near half of a face only, distance and
   rotation otherwise trade against each other. The head's rotation is the anchor's mesh rotation
   turned by the change of the fitted pose since the anchor.
4. *Hand-over*, for rotation and flexion (:data:`TRACKED_AXES`) each. Past their ranges both
   readings err low (the mesh saturates; on a fast movement the tracker loses part of it), so the
   larger of the two magnitudes is taken. The reported angle is the mesh's while that larger reading
   is below ``BLEND_DEG[0]``, the larger reading beyond ``BLEND_DEG[1]``, and a linear blend between,
   so the series stays continuous. Tilt stays the mesh's: the tracked pose reads a tilt that grows
   with the turn (the generic face's depth is not the person's), larger than the mesh's error on the
   rendered clips. Without an anchor, with too few points left, or on an axis where the tracker
   disagrees with the mesh on the side, the mesh's angle is reported as before.

Measured on the rendered clips (``tools/pose_accuracy.py``): rotation MAE over all clips 3.9 deg at
45-60 deg of turn and 1.3 at 60-75 (the mesh alone 11.2 and 18.7); chin-down 30-45 deg 1.5-4.0 (the
mesh alone 4.5-6.0); the fastest turn (90 deg/s, 24 fps, a 93 px face) still reads about 5 deg low.
Tracking costs about 3-5 ms a frame (640x480) while the head is turned or bent past ``ANCHOR_DEG``; a
27 s hold at 34 deg did not drift.

Limits: the person's own face depth differs from the generic face's, which scales the tracked turn
by a few per cent; a head that never comes back within ``ANCHOR_DEG`` (a fixed torticollis beyond
it) gets no anchor and keeps the mesh's reading; a long track loses points until the tracker gives up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from posture.angles import matrix_to_angles
from posture.pipeline.headpose import PoseConfig, canonical_face, focal_length_px, head_rotation

ANCHOR_DEG = 20.0  # the mesh's |rotation| up to which a frame can serve as anchor
BLEND_DEG = (30.0, 40.0)  # |angle| (the larger reading) over which the output hands over to it
MIN_FACING = 0.2  # a tracked point is dropped once its normal's z (toward the camera) falls below
MIN_POINTS = 20  # fewer surviving points end the track
FB_MAX_PX = 1.0  # forward-backward optical-flow disagreement that drops a point
HUBER_PX = 1.5  # reprojection residual beyond which the fit's loss grows linearly
# Axes read past the mesh's range (indices into [rotation, tilt, flexion]); tilt stays the mesh's.
TRACKED_AXES = (0, 2)
# OpenCV's camera frame (x right, y down, z forward) <-> CLINICAL.md's (x right, y up, z toward camera).
_FLIP = np.diag([1.0, -1.0, -1.0])
_LK = dict(maxLevel=3, criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))
# The optical flow's window covers a fixed share of the face's width (about 2 cm of skin), so that a
# small face (a webcam far away) is tracked like a large one: a fixed 21 px window spans a quarter of
# a 90 px face and drags the background at the silhouette into the flow (on the rendered 24 fps
# webcam clip a fast turn then read 10 deg low; with the scaled window, 5 deg).
WINDOW_FACE_SHARE = 1 / 8
WINDOW_PX = (9, 31)  # odd bounds of the window's side, pixels


def as_grey(image: np.ndarray) -> np.ndarray:
    """``image`` as (h, w) uint8 grey: an RGB frame is converted, a grey one returned as it is."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def flow_window(face_width_px: float) -> int:
    """Side (odd, pixels) of the optical-flow window for a face ``face_width_px`` wide."""
    side = int(np.clip(round(face_width_px * WINDOW_FACE_SHARE), *WINDOW_PX))
    return side | 1


@lru_cache(maxsize=1)
def canonical_normals() -> np.ndarray:
    """(468, 3) outward unit normals of the canonical face (its frame), from local plane fits."""
    model, _ = canonical_face()
    _, neighbours = cKDTree(model).query(model, k=10)
    centre = model.mean(axis=0) - np.array([0.0, 0.0, 8.0])  # inside the head, behind the face
    normals = np.empty_like(model)
    for j, nb in enumerate(neighbours):
        local = model[nb] - model[nb].mean(axis=0)
        n = np.linalg.svd(local)[2][2]
        normals[j] = n if n @ (model[j] - centre) >= 0 else -n
    return normals


def blend_weight(rotation_deg: float) -> float:
    """Share (0..1) of the large-turn reading in the output at a rotation reading (degrees)."""
    lo, hi = BLEND_DEG
    return float(np.clip((abs(rotation_deg) - lo) / (hi - lo), 0.0, 1.0))


def camera_matrix(width: int, height: int, config: PoseConfig) -> np.ndarray:
    """(3, 3) pinhole intrinsics, principal point at the image centre, focal from the assumed FOV."""
    f = focal_length_px(width, height, config.hfov_deg)
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def project(points: np.ndarray, rot: np.ndarray, trans: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(n, 2) pixels of model ``points`` (n, 3) posed by ``rot``, ``trans`` (OpenCV camera frame)."""
    cam = points @ rot.T + trans
    return np.column_stack(
        [k[0, 0] * cam[:, 0] / cam[:, 2] + k[0, 2], k[1, 1] * cam[:, 1] / cam[:, 2] + k[1, 2]]
    )


def fit_fixed_depth(
    model: np.ndarray,
    image_px: np.ndarray,
    k: np.ndarray,
    rot0: np.ndarray,
    trans0: np.ndarray,
    iterations: int = 15,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Perspective pose of ``model`` (n, 3) onto ``image_px`` (n, 2), distance held at ``trans0[2]``.

    Huber-robust Gauss-Newton (iteratively reweighted, analytic Jacobian) over the rotation and the
    sideways translation, started at ``rot0``, ``trans0`` (OpenCV camera frame). Returns rotation,
    translation and the residuals (n,) in pixels.
    """
    rot = np.asarray(rot0, dtype=float)
    trans = np.asarray(trans0, dtype=float).copy()
    f = np.array([k[0, 0], k[1, 1]])
    for _ in range(iterations):
        turned = model @ rot.T
        cam = turned + trans
        inv_z = 1.0 / cam[:, 2]
        res = f * cam[:, :2] * inv_z[:, None] + k[:2, 2] - image_px  # (n, 2)
        # d(pixel)/d(camera point): rows u, v; d(camera point)/d(small rotation w) = -[turned]x.
        du = f[0] * inv_z[:, None] * np.column_stack([np.ones_like(inv_z), 0 * inv_z, -cam[:, 0] * inv_z])
        dv = f[1] * inv_z[:, None] * np.column_stack([0 * inv_z, np.ones_like(inv_z), -cam[:, 1] * inv_z])
        jac = np.empty((2 * len(model), 5))
        jac[0::2, :3] = np.cross(turned, du)  # (d/dw) of u = du . (w x turned) = w . (turned x du)
        jac[1::2, :3] = np.cross(turned, dv)
        jac[0::2, 3:] = du[:, :2]
        jac[1::2, 3:] = dv[:, :2]
        r = res.ravel()
        weight = np.minimum(1.0, HUBER_PX / np.maximum(np.abs(r), 1e-12))
        jw = jac * weight[:, None]
        step = np.linalg.solve(jw.T @ jac + 1e-9 * np.eye(5), -(jw.T @ r))
        rot = Rotation.from_rotvec(step[:3]).as_matrix() @ rot
        trans[:2] += step[3:]
        if np.abs(step[:3]).max() < 1e-6:
            break
    res = project(model, rot, trans, k) - image_px
    return rot, trans, np.hypot(res[:, 0], res[:, 1])


def fit_anchor(model: np.ndarray, image_px: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Perspective pose (rotation, translation; OpenCV camera frame) of the whole generic face."""
    obj = model.astype(np.float64)
    img = image_px.astype(np.float64)
    ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, flags=cv2.SOLVEPNP_EPNP)
    if ok:
        ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, rvec, tvec, True, cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        raise ValueError("no pose for the anchor")
    return cv2.Rodrigues(rvec)[0], tvec.ravel()


@dataclass
class _Track:
    """The anchor and the points followed since."""

    frame: np.ndarray  # last frame, uint8: RGB as given for an anchor, grey once followed
    points: np.ndarray  # (468, 2) float32 pixels in that frame
    alive: np.ndarray  # (468,) bool
    mesh_rotation: np.ndarray  # (3, 3) the mesh's head rotation at the anchor (clinical frame)
    window: int  # optical-flow window side, pixels (flow_window of the anchor face's width)
    anchor_rot: np.ndarray | None = None  # fitted pose at the anchor (OpenCV frame)
    rot: np.ndarray | None = None  # latest fitted pose (OpenCV frame)
    trans: np.ndarray | None = None


class TurnTracker:
    """Reads head turns beyond the face mesh's range for one video; call :meth:`head_angles` (or
    :meth:`update` with the mesh's own head rotation) on each frame with a face, :meth:`reset` on
    each frame without."""

    def __init__(self, config: PoseConfig = PoseConfig()) -> None:
        self._config = config
        self._track: _Track | None = None

    def reset(self) -> None:
        """Forget the anchor (the face was lost)."""
        self._track = None

    def head_angles(self, image: np.ndarray, points_px: np.ndarray) -> np.ndarray:
        """Angles ``[rotation, tilt, flexion]`` (deg) of the face whose mesh landmarks are
        ``points_px`` ((468, 3) pixels) in ``image``: the pose fit of
        :func:`~posture.pipeline.headpose.head_rotation`, then :meth:`update`."""
        h, w = image.shape[:2]
        return self.update(image, points_px, head_rotation(points_px, w, h, self._config))

    def update(self, image: np.ndarray, points_px: np.ndarray, mesh_rotation: np.ndarray) -> np.ndarray:
        """Angles ``[rotation, tilt, flexion]`` (deg) for this frame: tilt is the mesh's.

        ``image``: the frame, (h, w, 3) uint8 RGB or (h, w) grey, kept by reference (do not change
        it afterwards); ``points_px``: the mesh's (468, 3) landmarks (pixels);
        ``mesh_rotation``: the mesh's head rotation (3, 3), clinical frame (see headpose).
        """
        mesh_angles = matrix_to_angles(mesh_rotation)
        if all(abs(mesh_angles[a]) <= ANCHOR_DEG for a in TRACKED_AXES):
            self._track = _Track(
                frame=image,
                points=points_px[:, :2].astype(np.float32),
                alive=np.ones(len(points_px), dtype=bool),
                mesh_rotation=mesh_rotation,
                window=flow_window(float(np.ptp(points_px[:, 0]))),
            )
            return mesh_angles
        tracked = self._follow(as_grey(image)) if self._track else None
        out = mesh_angles.copy()
        if tracked is None:
            return out
        for a in TRACKED_AXES:
            if np.sign(tracked[a]) != np.sign(mesh_angles[a]):
                continue
            # Past its range each reading errs low (the mesh saturates; the tracker loses part of a
            # fast movement), so the larger of the two is the better reading of a large one.
            larger = max(abs(mesh_angles[a]), abs(tracked[a])) * np.sign(mesh_angles[a])
            w = blend_weight(larger)
            out[a] = (1.0 - w) * mesh_angles[a] + w * larger
        return out

    def _follow(self, grey: np.ndarray) -> np.ndarray | None:
        track = self._track
        height, width = grey.shape
        model, _ = canonical_face()
        k = camera_matrix(width, height, self._config)
        if track.anchor_rot is None:
            try:
                track.anchor_rot, track.trans = fit_anchor(model, track.points, k)
            except (ValueError, cv2.error):
                self._track = None
                return None
            track.rot = track.anchor_rot
        previous = as_grey(track.frame)
        idx = np.flatnonzero(track.alive)
        start = track.points[idx].reshape(-1, 1, 2)
        win = (track.window, track.window)
        fwd, st1, _ = cv2.calcOpticalFlowPyrLK(previous, grey, start, None, winSize=win, **_LK)
        back, st2, _ = cv2.calcOpticalFlowPyrLK(grey, previous, fwd, None, winSize=win, **_LK)
        fb = np.linalg.norm((back - start).reshape(-1, 2), axis=1)
        good = (st1[:, 0] == 1) & (st2[:, 0] == 1) & (fb < FB_MAX_PX)
        track.points[idx] = fwd.reshape(-1, 2)
        track.alive[idx[~good]] = False
        facing = (_FLIP @ track.rot @ canonical_normals().T)[2]
        track.alive &= facing > MIN_FACING
        track.frame = grey
        alive = np.flatnonzero(track.alive)
        if alive.size < MIN_POINTS:
            self._track = None
            return None
        track.rot, track.trans, _ = fit_fixed_depth(
            model[alive], track.points[alive].astype(float), k, track.rot, track.trans
        )
        turned = _FLIP @ track.rot @ track.anchor_rot.T @ _FLIP
        return matrix_to_angles(turned @ track.mesh_rotation)
