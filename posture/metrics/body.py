"""Shoulders and head shift: the head over the trunk, from pose shoulders, the person's outline over
the shoulders and the face's eye centres.

Inputs are image pixels (x to the image's right, y **down**) of an upright frame. Left and right are
the patient's: MediaPipe Pose's LEFT_SHOULDER (11) is the patient's left shoulder, on the image's
right in an unmirrored camera image. Geometry uses the image axes (the camera is level by protocol),
with the patient's left found from the order of the two shoulders, so it does not depend on whether
the image was mirrored, as long as the landmark labels are the patient's true sides.

Pixels become centimetres through the interpupillary distance (IPD): ``cm_per_px = IPD_cm ·
cos(rotation) / |left eye - right eye|_px`` (a turned head shows its eyes closer together by
cos(rotation)), with ``IPD_cm`` the adult mean 6.3 cm; per-person IPD varies about ±0.4 cm, so
centimetres carry about ±7 % scale error. Frames with the head turned beyond
``max_rotation_for_scale_deg`` are not used for the scale.

JSON section ``shoulders`` (:meth:`ShouldersResult.to_dict`)::

    available (bool), reason (str | None: why not, e.g. shoulders out of view),
    higher ("left" | "right" | "level"), elevation_cm (float >= 0: height difference of the
        shoulders, "level" below level_cm), description (e.g. "left shoulder higher by 2.3 cm"),
        (all three None, with a reason, when the outline over both shoulders was not found),
    elevation_method ("silhouette contour": the top of the person's outline over each shoulder;
        "pose landmarks": the pose model's shoulder points, only when no outline was given),
    contour_coverage_pct (share of the clip's seconds in which the outline over both shoulders was
        found; None with the pose-landmark method),
    shoulder_line_deg (float: slope of the line joining the tops of the outline over the two shoulders
        (the pose points with the pose-landmark method), + = the patient's LEFT shoulder lower, the
        same sense as head tilt + = left ear toward the left shoulder; a raised right shoulder and a
        trunk leaning to the left look alike here; None when the outline was not found),
    trunk_rotation_deg (None: not measured, see ``trunk_rotation_reason``),
    trunk_rotation_reason (str: why trunk rotation is not given),
    head_tilt_relative_deg (head tilt_deg minus shoulder_line_deg: tilt of the head over the shoulder
        line), head_rotation_relative_deg (None, as trunk rotation),
    shoulder_width_cm, cm_per_px (the scale used), scale_reference (str), coverage_pct (share of the
        clip's seconds in which both shoulders were seen),
    warnings ([str]: shoulder line sloping more than trunk_warning_deg, shoulders narrow (a trunk
        turned away), head turned or tilted so far that a small elevation is uncertain).

Trunk rotation is not measured. The pose model's shoulder depth (z) is learnt from a single frontal
image, not measured: on rendered clips whose trunk faces the camera squarely it implied trunk
rotations of 5–64° (median 13°), with either sign, so it would only produce false warnings. A trunk
turned far from the camera still shows as narrow shoulders (``narrow_shoulders_cm``).

Shoulder heights come from the top of the person's outline (MediaPipe selfie segmentation) over the
outer shoulder on each side, sampled symmetrically about the body's midline
(:mod:`posture.pipeline.silhouette`); the pose model's shoulder points only place the samples and give
the shoulders' width. Its points are not used for heights: on level shoulders they read the right
shoulder 1.1–1.4 cm higher with the head near neutral and up to 2.2 cm apart (either side) with the head
turned or tilted 15–25°, so a 3 cm raise read 0.5 cm, "level".

Accuracy on rendered clips with known truth (the outline, ``level_cm`` 1.5 cm): the 28 clips with level
shoulders read 0.0–0.7 cm (median 0.25 cm), "level" on every one, including heads turned 30–70°, tilted
15–40° and flexed 20–45°; a 3 cm raised left shoulder (head tilted 10°, shifted 2 cm) reads 1.9 cm, a
2.5 cm raised right shoulder (head turned 15° and tilted 8°) reads 2.4 cm, each on the right side.
The shoulder line reads within ±1.5° on the level clips (the pose points: up to 9°, with false "slopes"
warnings), -4.2° and +5.6° on the raised ones.
Part of the shortfall is the renders': the scan's right shoulder top sits 0.4 cm above its left, and a
rendered raise fades in from the neck, lifting the outer shoulder's outline by 2.8 of its 3 cm. The
outline is the shoulder's top surface (trapezius and acromion, with clothes on): a raised shoulder and
a trunk leaning sideways look alike, and hair or a hand resting on a shoulder hides it (then the
elevation is not given). The lateral shift reads -2.7 to +1.2 cm on clips without a shift (a bias of
about -1 cm plus the error of the turn/tilt correction), hence ``shift_present_cm``.

JSON section ``shift`` (:meth:`ShiftResult.to_dict`)::

    available (bool), reason (str | None),
    lateral_cm (float: horizontal offset of the eyes' midpoint from the shoulders' midpoint, + = toward
        the patient's LEFT (the image's right in an unmirrored image; the camera is level by protocol),
        after removing the sideways travel that turning and tilting the head about the top of the
        neck cause), direction ("left" | "right" | "none"), present (bool: |lateral_cm| >=
        shift_present_cm), description,
    sagittal_cm (None: not measurable from a camera in front), sagittal_reason (str).

All values are medians over the frames where everything they need was seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posture.angles import angles_to_matrix
from posture.errors import InvalidInput
from posture.metrics.config import MetricsConfig
from posture.metrics.inputs import check_angles
from posture.metrics.serialize import json_ready

__all__ = ["BodyLandmarks", "ShouldersResult", "ShiftResult", "analyze_body", "shoulder_coverage"]

TRUNK_ROTATION_REASON = (
    "trunk rotation is not measured: the pose model's shoulder depth from a frontal camera is too "
    "unreliable (it reads tens of degrees on a trunk facing the camera); a trunk turned far from the "
    "camera shows as narrow shoulders"
)
SAGITTAL_REASON = (
    "forward or backward head shift cannot be measured from a camera in front of the patient (the "
    "translation is along the line of sight); film the patient from the side to assess it"
)


@dataclass(frozen=True)
class BodyLandmarks:
    """Per-frame body landmarks in pixels of the upright image (x right, y down), NaN where not found.

    left_shoulder_px, right_shoulder_px: (n, 2) the patient's left / right shoulder (MediaPipe Pose 11 /
        12).
    left_shoulder_visibility, right_shoulder_visibility: (n,) MediaPipe visibility 0..1 (NaN = not
        detected).
    left_eye_px, right_eye_px: (n, 2) centres of the patient's left / right eye (face mesh).
    image_size_px: (width, height) of the image in pixels.
    The pose model may run on every few frames only: frames where it did not run are simply NaN.
    left_shoulder_depth_px, right_shoulder_depth_px: optional (n,) distance from the camera along the
        line of sight, in the same pixel units as x (MediaPipe Pose's z times the image width; larger
        = farther). Only used for trunk rotation.
    left_top_px, right_top_px: optional (n, 2) x, y (px, y down) of the top of the person's outline
        over the patient's left / right shoulder (:func:`posture.pipeline.silhouette.shoulder_tops`),
        NaN where not found. When given, the elevation and the shoulder line come from them; when None,
        from the pose points.
    """

    left_shoulder_px: np.ndarray
    right_shoulder_px: np.ndarray
    left_shoulder_visibility: np.ndarray
    right_shoulder_visibility: np.ndarray
    left_eye_px: np.ndarray
    right_eye_px: np.ndarray
    image_size_px: tuple[int, int]
    left_shoulder_depth_px: np.ndarray | None = None
    right_shoulder_depth_px: np.ndarray | None = None
    left_top_px: np.ndarray | None = None
    right_top_px: np.ndarray | None = None

    def checked(self, n: int) -> BodyLandmarks:
        """A copy with float arrays, after checking shapes against ``n`` frames.

        Raises:
            InvalidInput: when an array does not have the documented shape.
        """
        out = {}
        for name in (
            "left_shoulder_px",
            "right_shoulder_px",
            "left_eye_px",
            "right_eye_px",
            "left_top_px",
            "right_top_px",
        ):
            value = getattr(self, name)
            if value is None and name.endswith("top_px"):
                out[name] = None
                continue
            arr = np.asarray(value, dtype=float)
            if arr.shape != (n, 2):
                raise InvalidInput(
                    f"{name} must have shape ({n}, 2) (x, y pixels per frame), got {arr.shape}"
                )
            out[name] = arr
        for name in (
            "left_shoulder_visibility",
            "right_shoulder_visibility",
            "left_shoulder_depth_px",
            "right_shoulder_depth_px",
        ):
            value = getattr(self, name)
            if value is None:
                out[name] = None
                continue
            arr = np.asarray(value, dtype=float)
            if arr.shape != (n,):
                raise InvalidInput(f"{name} must have shape ({n},) (one value per frame), got {arr.shape}")
            out[name] = arr
        size = tuple(float(v) for v in self.image_size_px)
        if len(size) != 2 or not all(np.isfinite(size)) or min(size) <= 0:
            raise InvalidInput(f"image_size_px must be (width, height) in pixels, got {self.image_size_px}")
        return BodyLandmarks(image_size_px=size, **out)


@dataclass(frozen=True)
class ShouldersResult:
    """The ``shoulders`` section; see the module docstring for keys, units and signs."""

    available: bool
    reason: str | None
    higher: str | None = None
    elevation_cm: float | None = None
    description: str | None = None
    shoulder_line_deg: float | None = None
    trunk_rotation_deg: float | None = None
    head_tilt_relative_deg: float | None = None
    head_rotation_relative_deg: float | None = None
    shoulder_width_cm: float | None = None
    cm_per_px: float | None = None
    scale_reference: str | None = None
    coverage_pct: float | None = None
    warnings: tuple[str, ...] = field(default=())
    trunk_rotation_reason: str = TRUNK_ROTATION_REASON
    elevation_method: str | None = None
    contour_coverage_pct: float | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict (keys as the fields; NaN -> None)."""
        return json_ready(self.__dict__)


@dataclass(frozen=True)
class ShiftResult:
    """The ``shift`` section; see the module docstring for keys, units and signs."""

    available: bool
    reason: str | None
    lateral_cm: float | None = None
    direction: str | None = None
    present: bool | None = None
    description: str | None = None
    sagittal_cm: float | None = None
    sagittal_reason: str = SAGITTAL_REASON

    def to_dict(self) -> dict:
        """JSON-ready dict (keys as the fields; NaN -> None)."""
        return json_ready(self.__dict__)


def _median(values: np.ndarray) -> float:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def _or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _inside(points: np.ndarray, size: tuple[float, float]) -> np.ndarray:
    """(n,) bool: finite and inside the image (the pose model extrapolates points out of frame)."""
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(points).all(axis=1)
            & (points[:, 0] >= 0)
            & (points[:, 0] <= size[0])
            & (points[:, 1] >= 0)
            & (points[:, 1] <= size[1])
        )


def shoulder_coverage(t_s: np.ndarray, seen: np.ndarray, bin_s: float) -> float:
    """Share (0..1) of the clip's ``bin_s``-long time bins holding at least one frame with both shoulders.

    Measured in time, not frames, because the pipeline runs the pose model on every few frames only
    (the others are NaN, exactly like frames where it found no one).

    Args:
        t_s: (n,) float seconds, strictly increasing.
        seen: (n,) bool, both shoulders found in the frame.
        bin_s: bin length (s).
    """
    t = np.asarray(t_s, dtype=float)
    if t.size == 0:
        return 0.0
    bins = np.floor((t - t[0]) / bin_s).astype(int)
    covered = np.zeros(bins[-1] + 1, dtype=bool)
    covered[bins[np.asarray(seen, dtype=bool)]] = True
    return float(covered.mean())


def analyze_body(
    t_s: np.ndarray,
    angles: np.ndarray,
    body: BodyLandmarks | None,
    config: MetricsConfig = MetricsConfig(),
) -> tuple[ShouldersResult, ShiftResult]:
    """Shoulder elevation, trunk attitude and lateral head shift.

    Args:
        t_s: (n,) float seconds, the frames' presentation times.
        angles: (n, 3) float degrees ``[rotation, tilt, flexion]`` of the head, NaN where no face (for
            the IPD foreshortening, the head-over-trunk angles and the shift correction).
        body: landmarks per frame, or None when the pipeline has none.
        config: ``interpupillary_cm``, ``min_shoulder_visibility``, ``min_visible_share``,
            ``max_rotation_for_scale_deg``, ``level_cm``, ``trunk_warning_deg``, ``narrow_shoulders_cm``,
            ``shift_present_cm``, ``eye_offset_from_pivot_cm``.

    Returns:
        ``(shoulders, shift)``; each is ``available=False`` with a reason when the shoulders (or, for
        centimetres, the eyes) were not seen in enough frames.

    Raises:
        InvalidInput: for malformed inputs.
    """
    t, a = check_angles(t_s, angles)
    cfg = config
    if body is None:
        reason = "no body landmarks were given: shoulders and shift were not measured"
        return ShouldersResult(False, reason), ShiftResult(False, reason)
    b = body.checked(t.size)
    size = b.image_size_px
    with np.errstate(invalid="ignore"):
        seen = (
            _inside(b.left_shoulder_px, size)
            & _inside(b.right_shoulder_px, size)
            & (b.left_shoulder_visibility >= cfg.min_shoulder_visibility)
            & (b.right_shoulder_visibility >= cfg.min_shoulder_visibility)
        )
    share = shoulder_coverage(t, seen, cfg.shoulder_coverage_bin_s)
    if share < cfg.min_visible_share:
        reason = (
            f"both shoulders were in view in only {100 * share:.0f} % of the clip (needs "
            f"{100 * cfg.min_visible_share:.0f} %): frame the head and both shoulders, camera 1–2 m away"
        )
        return ShouldersResult(False, reason), ShiftResult(False, reason)

    left, right = b.left_shoulder_px, b.right_shoulder_px
    line = left - right  # toward the patient's left along the shoulder line (pixels)
    width_px = np.hypot(line[:, 0], line[:, 1])
    contour_pct = None
    if b.left_top_px is not None and b.right_top_px is not None:
        method = "silhouette contour"
        found = seen & np.isfinite(b.left_top_px).all(axis=1) & np.isfinite(b.right_top_px).all(axis=1)
        contour_pct = 100.0 * shoulder_coverage(t, found, cfg.shoulder_coverage_bin_s)
        if contour_pct < 100.0 * cfg.min_visible_share:
            found = np.zeros_like(seen)
        heights = b.left_top_px - b.right_top_px  # between the tops of the outline over each shoulder
    else:
        method, found, heights = "pose landmarks", seen, line
    with np.errstate(invalid="ignore", divide="ignore"):
        # + when the left shoulder is lower (image y grows downward); |x| so mirroring does not matter
        slope_deg = np.degrees(np.arctan2(heights[:, 1], np.abs(heights[:, 0])))
        eye_px = np.hypot(*(b.left_eye_px - b.right_eye_px).T)
        rotation = a[:, 0]
        scale_ok = (
            seen
            & np.isfinite(eye_px)
            & (eye_px > 0)
            & np.isfinite(rotation)
            & (np.abs(rotation) <= cfg.max_rotation_for_scale_deg)
        )
        cm_per_px = np.where(scale_ok, cfg.interpupillary_cm * np.cos(np.radians(rotation)) / eye_px, np.nan)
    slope = np.where(found, slope_deg, np.nan)
    # landmark depth (b.*_shoulder_depth_px) is deliberately not used: see the module docstring
    shoulder_line = _median(slope)
    tilt_rel = _median(a[:, 1] - slope)

    warnings = []
    if abs(shoulder_line) > cfg.trunk_warning_deg:
        low = "left" if shoulder_line > 0 else "right"
        warnings.append(
            f"the shoulder line slopes {abs(shoulder_line):.0f}° ({low} shoulder lower): one shoulder is "
            f"raised or the trunk leans; head tilt over the shoulder line is {tilt_rel:+.0f}° (camera: "
            f"{_median(a[:, 1]):+.0f}°)"
        )

    scale = _median(cm_per_px)
    if not np.isfinite(scale):
        reason = (
            "the eyes were not measured in the frames with shoulders (or the head was turned more than "
            f"{cfg.max_rotation_for_scale_deg:g}°), so there is no centimetre scale"
        )
        shoulders = ShouldersResult(
            available=True,
            reason=reason,
            shoulder_line_deg=shoulder_line,
            head_tilt_relative_deg=_or_none(tilt_rel),
            coverage_pct=100.0 * share,
            warnings=tuple(warnings),
        )
        return shoulders, ShiftResult(False, reason)

    # per-frame scale where measured, the clip's median elsewhere (the distance to the camera is steady)
    frame_scale = np.where(np.isfinite(cm_per_px), cm_per_px, scale)
    width_cm = _median(np.where(seen, width_px * frame_scale, np.nan))
    if width_cm < cfg.narrow_shoulders_cm:
        warnings.append(
            f"the shoulders look narrow ({width_cm:.0f} cm apart): the trunk may be turned away from the "
            f"camera"
        )
    scale_reference = (
        f"interpupillary distance {cfg.interpupillary_cm:g} cm (adult mean), corrected for head rotation"
    )
    shift = _lateral_shift(a, b, seen, line, frame_scale, cfg)
    # what every available result says about the scale, the coverage and the method
    common = dict(
        available=True,
        shoulder_width_cm=width_cm,
        cm_per_px=scale,
        scale_reference=scale_reference,
        coverage_pct=100.0 * share,
        elevation_method=method,
        contour_coverage_pct=contour_pct,
    )
    if method == "silhouette contour" and not found.any():
        reason = (
            f"the top of both shoulders was found in the person's outline in only {contour_pct:.0f} % "
            f"of the clip (needs {100 * cfg.min_visible_share:.0f} %), so the elevation was not "
            "measured: keep the head, hair and hands off the shoulders, the shoulders inside the frame, "
            "and a background that differs from the clothes"
        )
        return ShouldersResult(reason=reason, warnings=tuple(warnings), **common), shift
    elevation = _median(np.where(found, -heights[:, 1] * frame_scale, np.nan))  # + = left higher
    if abs(elevation) < cfg.level_cm:
        higher, description = "level", f"level (within {cfg.level_cm:g} cm)"
    else:
        higher = "left" if elevation > 0 else "right"
        description = f"{higher} shoulder higher by {abs(elevation):.1f} cm"
    head_median = np.array([_median(a[:, 0]), _median(a[:, 1])])
    if (
        method == "pose landmarks"
        and higher != "level"
        and np.nanmax(np.abs(head_median)) >= cfg.shoulder_uncertain_head_deg
    ):
        warnings.append(
            f"the head is turned or tilted {np.nanmax(np.abs(head_median)):.0f}°: the pose model's shoulder "
            f"heights then err by up to about {cfg.shoulder_uncertain_cm:g} cm, so a difference this small "
            f"is uncertain"
            if abs(elevation) < cfg.shoulder_uncertain_cm
            else f"the head is turned or tilted {np.nanmax(np.abs(head_median)):.0f}°: the pose model's "
            f"shoulder heights then err by up to about {cfg.shoulder_uncertain_cm:g} cm"
        )
    shoulders = ShouldersResult(
        reason=None,
        higher=higher,
        elevation_cm=abs(elevation),
        description=description,
        shoulder_line_deg=shoulder_line,
        head_tilt_relative_deg=_or_none(tilt_rel),
        warnings=tuple(warnings),
        **common,
    )
    return shoulders, shift


def _lateral_shift(
    a: np.ndarray,
    b: BodyLandmarks,
    seen: np.ndarray,
    line: np.ndarray,
    frame_scale: np.ndarray,
    cfg: MetricsConfig,
) -> ShiftResult:
    """Lateral head shift over the shoulders (see the module docstring)."""
    eyes_mid = 0.5 * (b.left_eye_px + b.right_eye_px)
    shoulders_mid = 0.5 * (b.left_shoulder_px + b.right_shoulder_px)
    # horizontal, not along the shoulder line: a raised shoulder tilts that line without moving the head
    # (the camera is level by protocol); the sign of the shoulders' x order says where the patient's left is
    offset_px = (eyes_mid[:, 0] - shoulders_mid[:, 0]) * np.sign(line[:, 0])
    # sideways travel of the eyes caused by turning/tilting the head about the top of the neck:
    # x component (toward the patient's left) of R·(eyes relative to the pivot), with R from posture.angles
    up_cm, forward_cm = cfg.eye_offset_from_pivot_cm
    eyes_from_pivot = np.array([0.0, up_cm, forward_cm])
    travel = np.full(a.shape[0], np.nan)
    ok = seen & np.isfinite(a).all(axis=1) & np.isfinite(offset_px)
    for i in np.flatnonzero(ok):
        travel[i] = (angles_to_matrix(*a[i]) @ eyes_from_pivot)[0]
    lateral = _median(offset_px * frame_scale - travel)
    if not np.isfinite(lateral):
        return ShiftResult(False, "the eyes and both shoulders were never measured in the same frame")
    turned = _median(np.abs(a[ok, 0])) if ok.any() else np.nan
    if np.isfinite(turned) and turned > cfg.shift_max_rotation_deg:
        # Turning moves the face sideways about a pivot whose place differs between people: beyond a
        # moderate turn that travel swamps a shift of a few centimetres, so none is claimed.
        return ShiftResult(
            available=True,
            reason=None,
            lateral_cm=lateral,
            direction="none",
            present=False,
            description=(
                f"lateral shift not assessed: the head is turned {turned:.0f}°, and a turned face moves "
                "sideways by itself; film the client facing the camera to judge a shift"
            ),
        )
    present = abs(lateral) >= cfg.shift_present_cm
    direction = ("left" if lateral > 0 else "right") if present else "none"
    description = (
        f"head shifted {abs(lateral):.1f} cm to the {direction} over the shoulders"
        if present
        else f"no lateral shift (within {cfg.shift_present_cm:g} cm)"
    )
    return ShiftResult(
        available=True,
        reason=None,
        lateral_cm=lateral,
        direction=direction,
        present=present,
        description=description,
    )
