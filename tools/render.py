"""Ground-truth clip renderer: a textured head scan, posed on its neck, rendered to H.264 clips.

Every clip comes with a truth file (``NAME.truth.json``, schema ``posture.truth/1``, described in
``sample_videos/README.md``) holding, per encoded frame, the presentation time and the head angles
that were applied, plus the clinical signs the clip was built to show (posture, tremor, jerks,
range of motion, shoulder elevation, lateral shift).

Conventions are the project's (CLINICAL.md, :mod:`posture.angles`): camera frame x toward the image's
right (the patient's left), y up, z toward the camera; the head's rotation relative to the camera is
``R = angles_to_matrix(rotation_deg, tilt_deg, flexion_deg)``; rotation + = chin toward the patient's
left, tilt + = left ear toward the left shoulder, flexion + = chin down. The camera is level, at head
height, looking along -z. The truth angles are exactly the rotation applied to the head (the part of
the scan whose neck weight is 1) relative to that camera.

Scan geometry is in model units (1 unit = 5 cm, :data:`CM_PER_UNIT`); user-facing distances are in cm.

Head model: "Infinite, 3D Head Scan" by Lee Perry-Smith, licensed under CC BY 3.0
(https://creativecommons.org/licenses/by/3.0/), based on a work at www.triplegangers.com; copy from
the three.js examples (examples/models/gltf/LeePerrySmith). Rendered clips of it must credit him.

Usage (from the repository root)::

    python -m tools.render frame --rotation 30 --tilt -10 -o /tmp/pose.png
    python -m tools.render clip --name hold --seconds 3 --rotation 20 \\
        --tremor rotation 4 1.5 -o /tmp/clips
    python -m tools.render_samples            # every committed sample clip
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, Protocol

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")  # headless rendering; must precede pyrender

import av  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pyrender  # noqa: E402
import trimesh  # noqa: E402
from scipy import sparse  # noqa: E402
from scipy.spatial import ConvexHull  # noqa: E402
from scipy.spatial.transform import Rotation  # noqa: E402

if __package__ in (None, ""):  # run as a script: make `posture` and `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posture.angles import angles_to_matrix  # noqa: E402

SCAN_DIR = Path(os.environ.get("POSTURE_HEAD3D", "/work/shared/data/head3d"))
SCAN_MESH = SCAN_DIR / "LeePerrySmith.glb"
SCAN_TEXTURE = SCAN_DIR / "Map-COL.jpg"
CREDIT = (
    '"Infinite, 3D Head Scan" by Lee Perry-Smith, CC BY 3.0 '
    "(https://creativecommons.org/licenses/by/3.0/), based on a work at www.triplegangers.com"
)

CM_PER_UNIT = 5.0
"""Scan units to centimetres (the scan is ~8.6 units = ~43 cm across the shoulders)."""

TIME_BASE = Fraction(1, 90000)
"""Container time base of every clip (90 kHz: 24, 30 and 60 fps land on exact ticks)."""

AXES = ("rotation", "tilt", "flexion")
Axis = Literal["rotation", "tilt", "flexion"]

# --- neck rig (scan units, rest pose) --------------------------------------------------------------
# The head/neck boundary runs obliquely, from under the chin (y≈-0.7 at the front, z≈2) to under the
# occiput (y≈0.1 at the back, z≈-1.4), so weights are a function of s = y + NECK_SLOPE*z.
NECK_SLOPE = 0.235
NECK_S_TORSO = -2.0  # s at the base of the neck: weight 0 below (torso)
NECK_S_HEAD = -0.35  # s under the jaw and occiput: weight 1 above (rigid head)
NECK_HALF_WIDTH = (1.35, 2.1)  # |x| over which the weight fades to 0 toward the shoulders (trapezius)
PIVOT = np.array([0.0, -0.55, -0.3])  # top of the cervical spine, behind the face, jaw-angle level
FACE_SCALE_CENTRE = np.array([0.0, 1.6, 0.3])  # centre of the skull, for face-shape scaling
FACE_SCALE_S = (-0.6, 0.1)  # s range over which face-shape scaling fades in (chin to jaw)
SHOULDER_X = (1.2, 3.4)  # |x| over which a raised shoulder's lift grows from 0 to full
CAMERA_HEIGHT = 1.1  # camera y: the middle of the face (eyes ≈1.9, mouth ≈0.5); level camera.
# (At the middle of the whole head, y≈1.6, the camera looks down on a flexed head and MediaPipe loses
# the face from ~43° of flexion; at face height it keeps it to 45°.)
SHADOW_MAP_PX = 1024
FILL_DISTANCE = 30.0  # scan units from the head: far enough to light it evenly


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 below ``lo``, 1 above ``hi``, C1-smooth cubic in between (``hi`` may be < ``lo``)."""
    s = np.clip((np.asarray(x, dtype=float) - lo) / (hi - lo), 0.0, 1.0)
    return s * s * (3.0 - 2.0 * s)


def raised_cosine(u: np.ndarray) -> np.ndarray:
    """Smooth 0→1 ramp for u in [0, 1] (clipped outside), zero slope at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


# ==================================================================================================
# Scan
# ==================================================================================================


@dataclass(frozen=True)
class Part:
    """One renderable surface: rest vertices (n, 3) in scan units, faces (m, 3), optional UVs (n, 2)."""

    vertices: np.ndarray
    faces: np.ndarray
    uv: np.ndarray | None

    @cached_property
    def _normal_incidence(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        """(unique positions × faces) incidence and vertex → unique position index.

        The scan splits vertices along UV seams; normals are accumulated per position so that seams
        stay invisible.
        """
        _, inverse = np.unique(np.round(self.vertices, 6), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        corners = inverse[self.faces].ravel()
        face_ids = np.repeat(np.arange(len(self.faces)), 3)
        matrix = sparse.csr_matrix(
            (np.ones(len(corners)), (corners, face_ids)), shape=(inverse.max() + 1, len(self.faces))
        )
        return matrix, inverse

    def normals(self, vertices: np.ndarray) -> np.ndarray:
        """Unit vertex normals (n, 3) of this part posed at ``vertices`` (area-weighted)."""
        tri = vertices[self.faces]
        face_normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        matrix, inverse = self._normal_incidence
        per_position = matrix @ face_normals
        normals = per_position[inverse]
        return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Scan:
    """The head scan plus a plain shirt below it, with the rig weights of every vertex.

    ``head_weight`` (n,): 1 on the rigid head, 0 on the torso, smooth over the neck.
    ``face_shape_weight`` (n,): where face-shape scaling applies (1 on the skull and face).
    ``face_points``: indices of scan vertices on the front of the face (visibility checks).
    """

    skin: Part
    shirt: Part
    texture: np.ndarray  # (h, w, 3) uint8, the scan's colour map

    @property
    def rest(self) -> np.ndarray:
        """All rest vertices (n_skin + n_shirt, 3): skin first, then shirt."""
        return np.concatenate([self.skin.vertices, self.shirt.vertices])

    @cached_property
    def head_weight(self) -> np.ndarray:
        v = self.rest
        s = v[:, 1] + NECK_SLOPE * v[:, 2]
        vertical = smoothstep(s, NECK_S_TORSO, NECK_S_HEAD)
        lateral = 1.0 - smoothstep(np.abs(v[:, 0]), *NECK_HALF_WIDTH)
        # The lateral fade only matters low on the neck; the skull (ears) is wider than the neck.
        lateral = lateral + (1.0 - lateral) * smoothstep(s, -0.9, NECK_S_HEAD)
        weight = vertical * lateral
        weight[len(self.skin.vertices) :] = 0.0  # the shirt is torso
        return weight

    @cached_property
    def face_shape_weight(self) -> np.ndarray:
        v = self.rest
        return smoothstep(v[:, 1] + NECK_SLOPE * v[:, 2], *FACE_SCALE_S) * (self.head_weight > 0.999)

    @cached_property
    def face_points(self) -> np.ndarray:
        v = self.skin.vertices
        front = (v[:, 2] > 1.0) & (v[:, 1] > -0.8) & (v[:, 1] < 2.4) & (np.abs(v[:, 0]) < 1.4)
        return np.flatnonzero(front)


def _shirt_part(
    skin_vertices: np.ndarray, top_y: float = -2.95, bottom_y: float = -16.0, n_around: int = 120
) -> Part:
    """A plain top (scan units) continuing the scan's cut chest downward.

    Without it the bust's flat bottom shows in frame. Its section is the convex hull of the scan's
    chest just above the cut (y -3.4 .. -2.7), 3 % larger so it sits on the skin like fabric, resampled
    evenly along the perimeter; it narrows slightly toward the waist.
    """
    slab = skin_vertices[(skin_vertices[:, 1] > -3.4) & (skin_vertices[:, 1] < -2.7)][:, [0, 2]]
    hull = slab[ConvexHull(slab).vertices]  # counter-clockwise in the (x, z) plane
    centre = hull.mean(axis=0)
    hull = centre + 1.03 * (hull - centre)
    closed = np.vstack([hull, hull[:1]])
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(closed, axis=0), axis=1))])
    along = np.linspace(0.0, arc[-1], n_around, endpoint=False)
    section = np.column_stack([np.interp(along, arc, closed[:, 0]), np.interp(along, arc, closed[:, 1])])
    rings = [(top_y, 1.0), (top_y - 0.6, 1.0), (bottom_y, 0.94)]
    vertices = np.array([[centre[0] + k * (x - centre[0]), y, z] for y, k in rings for x, z in section])
    faces = []
    for ring in range(len(rings) - 1):
        for i in range(n_around):
            a, b = ring * n_around + i, ring * n_around + (i + 1) % n_around
            faces += [[a, b, b + n_around], [a, b + n_around, a + n_around]]
    faces = np.asarray(faces)
    part = Part(vertices=vertices, faces=faces, uv=None)
    outward = vertices - np.array([centre[0], 0.0, centre[1]])
    if np.sum(part.normals(vertices) * outward) < 0:  # wind the faces so the normals point out
        part = Part(vertices=vertices, faces=faces[:, ::-1].copy(), uv=None)
    return part


@lru_cache(maxsize=1)
def load_scan() -> Scan:
    """Load the head scan and its colour map (UV v flipped for pyrender, see head3d/README.md)."""
    mesh = trimesh.load(SCAN_MESH, force="mesh", process=False)
    uv = np.asarray(mesh.visual.uv, dtype=float).copy()
    uv[:, 1] = 1.0 - uv[:, 1]
    skin = Part(vertices=np.asarray(mesh.vertices, dtype=float), faces=np.asarray(mesh.faces), uv=uv)
    texture = cv2.cvtColor(cv2.imread(str(SCAN_TEXTURE), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return Scan(skin=skin, shirt=_shirt_part(skin.vertices), texture=texture)


# ==================================================================================================
# Posing
# ==================================================================================================


@dataclass(frozen=True)
class BodyPose:
    """Everything that moves the body in one frame.

    rotation/tilt/flexion_deg: head angles relative to the camera (CLINICAL.md signs).
    shift_cm: head translated sideways over the shoulders, + = toward the patient's left (+x).
    shoulder_lift_cm: (left, right) shoulder raised by this much (cm, + = up).
    offset_cm: whole subject translated in the camera frame (x right, y up, z toward the camera).
    face_scale: (width, height, depth) scale of the head about the skull centre (1 = the scan).
    """

    rotation_deg: float = 0.0
    tilt_deg: float = 0.0
    flexion_deg: float = 0.0
    shift_cm: float = 0.0
    shoulder_lift_cm: tuple[float, float] = (0.0, 0.0)
    offset_cm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    face_scale: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @property
    def head_matrix(self) -> np.ndarray:
        """(3, 3) rotation of the head relative to the camera."""
        return angles_to_matrix(self.rotation_deg, self.tilt_deg, self.flexion_deg)


def pose_vertices(scan: Scan, pose: BodyPose) -> np.ndarray:
    """Posed vertices (n, 3) of skin+shirt in the subject frame (scan units).

    Order: face shape (head only) → shoulder lift (torso only) → head rotation about the neck pivot,
    each vertex turned by the fraction ``head_weight`` of the rotation (rotation vector scaled, i.e.
    a slerp from identity) → head shift (weighted) → whole-subject offset.
    """
    v = scan.rest.copy()
    w = scan.head_weight
    shape = scan.face_shape_weight[:, None] * (np.asarray(pose.face_scale) - 1.0) + 1.0
    v = FACE_SCALE_CENTRE + (v - FACE_SCALE_CENTRE) * shape

    left_cm, right_cm = pose.shoulder_lift_cm
    x = scan.rest[:, 0]
    lift_cm = left_cm * smoothstep(x, *SHOULDER_X) + right_cm * smoothstep(-x, *SHOULDER_X)
    v[:, 1] += (1.0 - w) * lift_cm / CM_PER_UNIT

    rotvec = Rotation.from_matrix(pose.head_matrix).as_rotvec()
    v = PIVOT + Rotation.from_rotvec(w[:, None] * rotvec).apply(v - PIVOT)
    v[:, 0] += w * pose.shift_cm / CM_PER_UNIT
    return v + np.asarray(pose.offset_cm) / CM_PER_UNIT


# ==================================================================================================
# Appearance: skin, light, background, framing
# ==================================================================================================

SKIN_TONES: dict[str, tuple[float, float, float]] = {
    # per-channel gain on the scan's colour map (a light-to-medium complexion)
    "light": (1.12, 1.07, 1.04),
    "medium": (1.0, 1.0, 1.0),
    "olive": (0.84, 0.76, 0.60),
    "brown": (0.62, 0.47, 0.36),
    "dark": (0.42, 0.31, 0.24),
}


def skin_texture(texture: np.ndarray, tone: str) -> np.ndarray:
    """The colour map (h, w, 3) uint8 tinted to a named skin tone (:data:`SKIN_TONES`)."""
    gain = np.asarray(SKIN_TONES[tone], dtype=np.float32)
    linear = (texture.astype(np.float32) / 255.0) ** 2.2 * gain**2.2
    return np.clip(255.0 * linear ** (1 / 2.2), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Light:
    """A key light, a fill from the other side and ambient light.

    azimuth_deg: + = key light from the image's right; elevation_deg: + = from above.
    intensity: key light strength (pyrender directional units; ~3 = a bright room).
    colour: RGB of all lights (warm = more red, cool = more blue).
    """

    azimuth_deg: float = 20.0
    elevation_deg: float = 25.0
    intensity: float = 2.6
    fill: float = 0.4  # fill intensity as a share of the key
    ambient: float = 0.3
    colour: tuple[float, float, float] = (1.0, 1.0, 1.0)


LIGHTS: dict[str, Light] = {
    "neutral": Light(),
    "warm_left": Light(azimuth_deg=40, elevation_deg=30, intensity=2.8, colour=(1.0, 0.88, 0.74)),
    "cool_right": Light(azimuth_deg=-35, elevation_deg=20, intensity=2.7, colour=(0.84, 0.92, 1.0)),
    "window": Light(
        azimuth_deg=60, elevation_deg=10, intensity=3.2, fill=0.25, ambient=0.25, colour=(0.95, 0.97, 1.0)
    ),
    "overhead": Light(azimuth_deg=5, elevation_deg=55, intensity=2.8, colour=(1.0, 0.97, 0.92)),
    # high, slightly off-axis key: the light under which MediaPipe keeps the face longest at the
    # range-of-motion extremes (+70 rotation and +45 flexion with the same light)
    "high_front": Light(azimuth_deg=15, elevation_deg=55, intensity=2.8, colour=(1.0, 0.96, 0.9)),
    "dim_warm": Light(
        azimuth_deg=-25, elevation_deg=15, intensity=1.1, fill=0.3, ambient=0.14, colour=(1.0, 0.78, 0.55)
    ),
}


@dataclass(frozen=True)
class Background:
    """kind: "plain" (colour_a), "gradient" (colour_a at the top → colour_b at the bottom) or
    "clutter" (a seeded room-like scene of shelves, boxes and frames). ``gain`` dims it (low light)."""

    kind: Literal["plain", "gradient", "clutter"] = "plain"
    colour_a: tuple[int, int, int] = (96, 110, 128)
    colour_b: tuple[int, int, int] = (40, 46, 60)
    seed: int = 0
    gain: float = 1.0


def background_image(bg: Background, width: int, height: int) -> np.ndarray:
    """Background (height, width, 3) uint8."""
    a, b = np.asarray(bg.colour_a, np.float32), np.asarray(bg.colour_b, np.float32)
    if bg.kind == "plain":
        img = np.broadcast_to(a, (height, width, 3)).astype(np.float32)
    elif bg.kind == "gradient":
        u = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
        v = np.linspace(-0.15, 0.15, width, dtype=np.float32)[None, :, None]
        img = a + (b - a) * np.clip(u + v, 0, 1)
    else:
        img = _clutter(bg, width, height)
    return np.clip(img * bg.gain, 0, 255).astype(np.uint8)


def _clutter(bg: Background, width: int, height: int) -> np.ndarray:
    """A busy, room-like background: wall, shelves with books, boxes, frames, a plant-ish blob."""
    rng = np.random.default_rng(bg.seed)
    img = np.zeros((height, width, 3), np.uint8)
    img[:] = np.asarray(bg.colour_a, np.uint8)
    for _ in range(3):  # shelves
        y = int(rng.uniform(0.15, 0.9) * height)
        x0, x1 = sorted(rng.uniform(0, width, 2).astype(int))
        cv2.rectangle(img, (x0, y), (x1, y + 6), tuple(int(c) for c in rng.integers(60, 140, 3)), -1)
        x = x0
        while x < x1 - 10:  # books
            w, h = int(rng.integers(6, 18)), int(rng.integers(25, 60))
            cv2.rectangle(img, (x, y - h), (x + w, y), tuple(int(c) for c in rng.integers(20, 230, 3)), -1)
            x += w + int(rng.integers(0, 4))
    for _ in range(8):  # boxes and frames
        x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        w, h = int(rng.integers(20, 110)), int(rng.integers(20, 90))
        colour = tuple(int(c) for c in rng.integers(20, 235, 3))
        cv2.rectangle(img, (x, y), (x + w, y + h), colour, -1 if rng.random() < 0.6 else 4)
    for _ in range(5):  # round things
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        cv2.circle(img, centre, int(rng.integers(8, 40)), tuple(int(c) for c in rng.integers(20, 235, 3)), -1)
    for _ in range(6):  # cables, edges
        p0 = tuple(int(c) for c in rng.uniform(0, (width, height)))
        p1 = tuple(int(c) for c in rng.uniform(0, (width, height)))
        cv2.line(img, p0, p1, tuple(int(c) for c in rng.integers(0, 200, 3)), int(rng.integers(1, 4)))
    img = cv2.GaussianBlur(img, (0, 0), 1.6)  # out of focus behind the subject
    return img.astype(np.float32)


@dataclass(frozen=True)
class Framing:
    """Camera placement: level, looking along -z, at head height.

    hfov_deg: horizontal field of view of the displayed (upright) image.
    distance_cm: camera to the scan's origin (the throat, ~mid-neck) along z.
    offset_cm: (x, y) of the camera relative to its default place (centred on the body, at
        :data:`CAMERA_HEIGHT`); the subject appears shifted the other way in the image.
    """

    hfov_deg: float = 55.0
    distance_cm: float = 72.0
    offset_cm: tuple[float, float] = (0.0, 0.0)

    def camera_position(self) -> np.ndarray:
        """Camera centre (3,) in scan units."""
        x, y = self.offset_cm
        return np.array([x / CM_PER_UNIT, CAMERA_HEIGHT + y / CM_PER_UNIT, self.distance_cm / CM_PER_UNIT])

    def focal_px(self, width: int) -> float:
        """Focal length in pixels for an image ``width`` px wide (principal point at the centre)."""
        return (width / 2) / np.tan(np.radians(self.hfov_deg) / 2)


@dataclass(frozen=True)
class Look:
    """Appearance of a clip: skin tone, light, background, shirt colour, face shape and framing."""

    skin: str = "medium"
    light: Light = field(default_factory=Light)
    background: Background = field(default_factory=Background)
    shirt_rgb: tuple[float, float, float] = (0.25, 0.3, 0.4)
    face_scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    framing: Framing = field(default_factory=Framing)


WALL_COLOURS = (
    (226, 222, 212),
    (200, 190, 170),
    (170, 174, 178),
    (150, 170, 190),
    (160, 175, 150),
    (205, 175, 170),
    (110, 120, 135),
    (90, 80, 75),
)
SHIRT_COLOURS = (
    (0.10, 0.12, 0.20),
    (0.32, 0.32, 0.33),
    (0.06, 0.06, 0.06),
    (0.78, 0.78, 0.75),
    (0.42, 0.10, 0.12),
    (0.28, 0.33, 0.18),
    (0.22, 0.34, 0.52),
    (0.58, 0.50, 0.38),
)


def random_look(seed: int, **overrides: object) -> Look:
    """A seeded, deterministic look: light jittered around a preset, random face shape, shirt,
    background colours and framing. Keyword overrides replace the drawn fields (e.g. ``skin=``)."""
    rng = np.random.default_rng(seed)
    preset = LIGHTS[str(rng.choice(["neutral", "warm_left", "cool_right", "window", "overhead"]))]
    light = replace(
        preset,
        azimuth_deg=preset.azimuth_deg + rng.uniform(-10, 10),
        intensity=preset.intensity * rng.uniform(0.9, 1.1),
    )
    wall = np.asarray(WALL_COLOURS[rng.integers(len(WALL_COLOURS))]) * rng.uniform(0.85, 1.05, 3)
    wall = np.clip(wall, 0, 255)
    background = Background(
        kind="plain",
        colour_a=tuple(int(c) for c in wall),
        colour_b=tuple(int(c) for c in wall * rng.uniform(0.3, 0.7)),
        seed=seed,
    )
    width, height = rng.uniform(0.92, 1.08), rng.uniform(0.95, 1.05)
    look = Look(
        skin=str(rng.choice(list(SKIN_TONES))),
        light=light,
        background=background,
        shirt_rgb=SHIRT_COLOURS[rng.integers(len(SHIRT_COLOURS))],
        face_scale=(round(width, 3), round(height, 3), round(float(np.sqrt(width * height)), 3)),
        framing=Framing(
            distance_cm=rng.uniform(66.0, 78.0),
            # a camera above face height looks down on a flexed head (MediaPipe
            # loses it sooner), so the random height offset is mostly downward
            offset_cm=(rng.uniform(-5.0, 5.0), rng.uniform(-3.0, 1.0)),
        ),
    )
    return replace(look, **overrides)  # type: ignore[arg-type]


# ==================================================================================================
# Rendering
# ==================================================================================================


class FrameRenderer:
    """Renders posed bodies over a background with pyrender (offscreen, EGL).

    One instance per clip; call :meth:`close` (or use it as a context manager) to free the GL context.
    """

    def __init__(self, look: Look, width: int, height: int) -> None:
        self.look, self.width, self.height = look, width, height
        self.scan = load_scan()
        self.background = background_image(look.background, width, height).astype(np.float32)
        texture = pyrender.Texture(source=skin_texture(self.scan.texture, look.skin), source_channels="RGB")
        self._skin_material = pyrender.MetallicRoughnessMaterial(
            baseColorTexture=texture, metallicFactor=0.0, roughnessFactor=0.75
        )
        self._shirt_material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=(*look.shirt_rgb, 1.0), metallicFactor=0.0, roughnessFactor=0.95
        )
        self.scene = self._build_scene()
        self._bodies: list[pyrender.Node] = []
        self._renderer = pyrender.OffscreenRenderer(width, height)

    def _build_scene(self) -> pyrender.Scene:
        light, colour = self.look.light, np.asarray(self.look.light.colour)
        scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 0.0), ambient_light=colour * light.ambient)
        framing = self.look.framing
        yfov = 2 * np.arctan(np.tan(np.radians(framing.hfov_deg) / 2) * self.height / self.width)
        camera_pose = np.eye(4)
        camera_pose[:3, 3] = framing.camera_position()
        scene.add(
            pyrender.PerspectiveCamera(
                yfov=yfov, aspectRatio=self.width / self.height, znear=0.5, zfar=200.0
            ),
            pose=camera_pose,
        )
        key = pyrender.DirectionalLight(color=colour, intensity=light.intensity)
        key._generate_shadow_texture(size=SHADOW_MAP_PX)  # smaller than pyrender's 2048: 4x faster
        scene.add(key, pose=_light_pose(light.azimuth_deg, light.elevation_deg))
        # The fill is a distant point light: only the key casts shadows (each shadow map costs a pass).
        fill_pose = _light_pose(-0.8 * light.azimuth_deg - np.sign(light.azimuth_deg + 1e-9) * 20, 5.0)
        fill_pose[:3, 3] = fill_pose[:3, 2] * FILL_DISTANCE + [0.0, CAMERA_HEIGHT, 0.0]
        fill = pyrender.PointLight(color=colour, intensity=light.intensity * light.fill * FILL_DISTANCE**2)
        scene.add(fill, pose=fill_pose)
        return scene

    def _mesh(self, vertices: np.ndarray) -> pyrender.Mesh:
        scan = self.scan
        n_skin = len(scan.skin.vertices)
        skin_v, shirt_v = vertices[:n_skin], vertices[n_skin:]
        skin = pyrender.Primitive(
            positions=skin_v.astype(np.float32),
            normals=scan.skin.normals(skin_v).astype(np.float32),
            texcoord_0=scan.skin.uv.astype(np.float32),
            indices=scan.skin.faces.astype(np.uint32),
            material=self._skin_material,
        )
        shirt = pyrender.Primitive(
            positions=shirt_v.astype(np.float32),
            normals=scan.shirt.normals(shirt_v).astype(np.float32),
            indices=scan.shirt.faces.astype(np.uint32),
            material=self._shirt_material,
        )
        return pyrender.Mesh([skin, shirt])

    def render(self, bodies: Sequence[np.ndarray]) -> np.ndarray:
        """Render posed vertex sets (each (n, 3) from :func:`pose_vertices`) → (h, w, 3) uint8 RGB."""
        for node in self._bodies:
            self.scene.remove_node(node)
        self._bodies = [self.scene.add(self._mesh(v)) for v in bodies]
        flags = pyrender.RenderFlags.RGBA | pyrender.RenderFlags.SHADOWS_DIRECTIONAL
        rgba, _ = self._renderer.render(self.scene, flags=flags)
        rgba = rgba.astype(np.float32)
        alpha = rgba[..., 3:] / 255.0
        # the clear colour is transparent black, so the render is already premultiplied by alpha
        return np.clip(rgba[..., :3] + self.background * (1.0 - alpha), 0, 255).astype(np.uint8)

    def face_in_frame(self, vertices: np.ndarray) -> float:
        """Share (0–1) of the front-of-face points of a posed body that project inside the image."""
        points = vertices[self.scan.face_points] - self.look.framing.camera_position()
        depth = -points[:, 2]
        f = self.look.framing.focal_px(self.width)
        u = self.width / 2 + f * points[:, 0] / depth
        v = self.height / 2 - f * points[:, 1] / depth
        inside = (depth > 0) & (u >= 0) & (u < self.width) & (v >= 0) & (v < self.height)
        return float(inside.mean())

    def close(self) -> None:
        self._renderer.delete()

    def __enter__(self) -> FrameRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _light_pose(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """4x4 pose of a directional light shining from (azimuth, elevation) toward the subject."""
    az, el = np.radians(azimuth_deg), np.radians(elevation_deg)
    toward_light = np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])
    x = np.cross([0.0, 1.0, 0.0], toward_light)
    x /= np.linalg.norm(x)
    pose = np.eye(4)
    pose[:3, :3] = np.column_stack([x, np.cross(toward_light, x), toward_light])
    return pose


# ==================================================================================================
# Motion primitives: functions of time (s) → degrees on one axis, summed per axis
# ==================================================================================================


class Primitive(Protocol):
    axis: Axis

    def __call__(self, t_s: np.ndarray) -> np.ndarray: ...


def keyframes(t_s: np.ndarray, knots: Sequence[tuple[float, float]]) -> np.ndarray:
    """Raised-cosine interpolation through (time s, value) knots; holds before the first and after
    the last knot, and wherever two consecutive knots share a value."""
    t = np.asarray(t_s, dtype=float)
    out = np.full(t.shape, float(knots[0][1]))
    for (t0, v0), (t1, v1) in zip(knots[:-1], knots[1:], strict=True):
        seg = t >= t0
        out[seg] = v0 + (v1 - v0) * raised_cosine((t[seg] - t0) / max(t1 - t0, 1e-9))
    return out


@dataclass(frozen=True)
class Offset:
    """A constant angle (deg) on one axis."""

    axis: Axis
    deg: float

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        return np.full(np.shape(t_s), float(self.deg))


@dataclass(frozen=True)
class Sweep:
    """Slow voluntary movement: raised-cosine ramps between (time s, angle deg) knots; equal
    consecutive knots are holds."""

    axis: Axis
    knots: tuple[tuple[float, float], ...]

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        return keyframes(t_s, self.knots)


def _smooth_noise(
    t_s: np.ndarray, seed: int, band_hz: tuple[float, float] = (0.1, 0.5), k: int = 4
) -> np.ndarray:
    """Deterministic smooth random signal in [-1, 1]: a mean of k sines with random slow frequencies."""
    rng = np.random.default_rng(seed)
    freqs, phases = rng.uniform(*band_hz, k), rng.uniform(0, 2 * np.pi, k)
    return np.mean(np.sin(2 * np.pi * freqs[:, None] * np.asarray(t_s)[None] + phases[:, None]), axis=0)


@dataclass(frozen=True)
class Tremor:
    """Sinusoidal tremor A·sin(2π f t) (A zero-to-peak, deg; f in Hz) on one axis.

    irregularity: relative wander of the frequency (±irregularity·f) and of the amplitude
    (±2·irregularity·A), both slow and seeded; 0 = a pure sine. The nominal f and A are the truth.
    """

    axis: Axis
    frequency_hz: float
    amplitude_deg: float
    irregularity: float = 0.0
    seed: int = 0

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=float)
        if self.irregularity == 0:
            return self.amplitude_deg * np.sin(2 * np.pi * self.frequency_hz * t)
        # integrate the instantaneous frequency on a fine grid so the phase is exact at any t
        grid = np.linspace(0.0, max(float(t.max()), 1e-3), 20000)
        freq = self.frequency_hz * (1 + self.irregularity * _smooth_noise(grid, self.seed, (0.15, 0.6)))
        phase = np.concatenate([[0.0], np.cumsum(0.5 * (freq[1:] + freq[:-1]) * np.diff(grid))])
        amp = self.amplitude_deg * (1 + 2 * self.irregularity * _smooth_noise(t, self.seed + 1, (0.1, 0.4)))
        return amp * np.sin(2 * np.pi * np.interp(t, grid, phase))


@dataclass(frozen=True)
class Jerk:
    """A fast excursion that returns: raised-cosine pulse peaking at ``t_s`` with value ``size_deg``
    (signed: the direction on the axis), lasting ``duration_s`` in total."""

    axis: Axis
    t_s: float
    size_deg: float
    duration_s: float

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        u = (np.asarray(t_s, dtype=float) - self.t_s) / self.duration_s + 0.5
        inside = (u > 0) & (u < 1)
        return np.where(inside, self.size_deg * 0.5 * (1 - np.cos(2 * np.pi * np.clip(u, 0, 1))), 0.0)


@dataclass(frozen=True)
class Sine:
    """Voluntary sinusoidal movement A·sin(2π f t + phase) (A zero-to-peak deg, f Hz) on one axis."""

    axis: Axis
    frequency_hz: float
    amplitude_deg: float
    phase_rad: float = 0.0

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        return self.amplitude_deg * np.sin(2 * np.pi * self.frequency_hz * np.asarray(t_s) + self.phase_rad)


@dataclass(frozen=True)
class Sway(Sine):
    """Slow postural drift (f < 0.5 Hz, a few degrees): a :class:`Sine` that the truth lists as sway,
    not as tremor."""


def head_angles(motion: Sequence[Primitive], t_s: np.ndarray) -> np.ndarray:
    """Summed head angles (n, 3): columns rotation, tilt, flexion in degrees."""
    out = np.zeros((len(t_s), 3))
    for primitive in motion:
        out[:, AXES.index(primitive.axis)] += primitive(t_s)
    return out


# ==================================================================================================
# Clip specification
# ==================================================================================================


@dataclass(frozen=True)
class ShoulderRaise:
    """One shoulder held high: side is the patient's ("left" = +x = image right), lift in cm."""

    side: Literal["left", "right"]
    elevation_cm: float


@dataclass(frozen=True)
class SecondHead:
    """A second, unrelated person further back: pose angles (deg) and position (cm, camera frame)."""

    rotation_deg: float = 30.0
    tilt_deg: float = 0.0
    flexion_deg: float = 0.0
    offset_cm: tuple[float, float, float] = (55.0, 4.0, -90.0)


@dataclass(frozen=True)
class ClipSpec:
    """Everything that defines one rendered clip (deterministic given ``seed``).

    size: displayed (upright) width, height in px. fps: nominal frame rate (exact for constant rate).
    vfr_interval_ms: (min, max) frame interval for a variable-frame-rate clip, else None.
    portrait_tag: store the frames turned 90° with a display-matrix rotation (phone portrait clip).
    noise_sigma: per-frame Gaussian sensor noise (8-bit levels, std), 0 = none.
    slide_cm: (time s, cm) knots moving the whole subject sideways (+ = image right), e.g. out of frame.
    range_of_motion: report the held extremes of the Sweep primitives as the range of motion.
    """

    name: str
    description: str
    duration_s: float
    motion: tuple[Primitive, ...] = ()
    look: Look = field(default_factory=Look)
    seed: int = 0
    fps: float = 30.0
    size: tuple[int, int] = (640, 480)
    crf: int = 22
    vfr_interval_ms: tuple[float, float] | None = None
    portrait_tag: bool = False
    noise_sigma: float = 0.0
    shoulders: ShoulderRaise | None = None
    shift_cm: float = 0.0
    second_head: SecondHead | None = None
    slide_cm: tuple[tuple[float, float], ...] = ()
    range_of_motion: bool = False

    def frame_times(self) -> np.ndarray:
        """Presentation times (n,) in seconds, each an exact multiple of :data:`TIME_BASE`."""
        if self.vfr_interval_ms is None:
            n = int(round(self.duration_s * self.fps))
            ticks = np.round(np.arange(n) / self.fps * TIME_BASE.denominator).astype(np.int64)
        else:
            lo, hi = self.vfr_interval_ms
            rng = np.random.default_rng(self.seed + 7)
            mean = 1000.0 / self.fps
            intervals = np.clip(rng.normal(mean, (hi - lo) / 4, int(self.duration_s * 1000 / lo)), lo, hi)
            t = np.concatenate([[0.0], np.cumsum(intervals) / 1000.0])
            ticks = np.round(t[t < self.duration_s] * TIME_BASE.denominator).astype(np.int64)
        return ticks / TIME_BASE.denominator

    def body_poses(self, t_s: np.ndarray) -> list[BodyPose]:
        """The main subject's pose at each time."""
        angles = head_angles(self.motion, t_s)
        slide = keyframes(t_s, self.slide_cm) if self.slide_cm else np.zeros(len(t_s))
        lift = (0.0, 0.0)
        if self.shoulders is not None:
            cm = self.shoulders.elevation_cm
            lift = (cm, 0.0) if self.shoulders.side == "left" else (0.0, cm)
        return [
            BodyPose(
                rotation_deg=a[0],
                tilt_deg=a[1],
                flexion_deg=a[2],
                shift_cm=self.shift_cm,
                shoulder_lift_cm=lift,
                offset_cm=(x, 0.0, 0.0),
                face_scale=self.look.face_scale,
            )
            for a, x in zip(angles, slide, strict=True)
        ]


# ==================================================================================================
# Encoding
# ==================================================================================================


class Mp4Writer:
    """H.264 (yuv420p) MP4 writer with explicit presentation times (seconds → 1/90000 ticks)."""

    def __init__(self, path: Path, width: int, height: int, fps: float, crf: int) -> None:
        self.container = av.open(str(path), mode="w")
        self.stream = self.container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
        self.stream.time_base = TIME_BASE
        self.stream.codec_context.time_base = TIME_BASE
        self.stream.options = {"crf": str(crf), "preset": "slow", "x264-params": "keyint=300:min-keyint=30"}

    def write(self, rgb: np.ndarray, t_s: float) -> None:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts, frame.time_base = int(round(t_s * TIME_BASE.denominator)), TIME_BASE
        self.container.mux(self.stream.encode(frame))

    def close(self) -> None:
        self.container.mux(self.stream.encode(None))
        self.container.close()


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


PORTRAIT_STORE_K = 1
"""Portrait pixels are stored as ``np.rot90(upright, k=1)`` (turned 90° counter-clockwise, as a phone
sensor held upright records them); the display matrix asks players to turn them back clockwise."""


def tag_display_rotation(src: Path, dst: Path, ccw_deg: int) -> None:
    """Remux ``src`` into ``dst`` (stream copy) with a display-matrix rotation of ``ccw_deg`` degrees
    counter-clockwise (ffmpeg's ``-display_rotation`` convention)."""
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-y",
        "-display_rotation:v:0",
        str(ccw_deg),
        "-i",
        str(src),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        str(dst),
    ]
    subprocess.run(cmd, check=True)


def probe(path: Path) -> dict:
    """Decoded facts of a clip: frame times (s), coded size and PyAV's rotation of the frames."""
    times, rotation = [], 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            times.append(float(frame.pts * frame.time_base))
            rotation = int(round(frame.rotation))
        return {
            "t_s": np.asarray(times),
            "coded_size": (stream.codec_context.width, stream.codec_context.height),
            "rotation_deg": rotation,
        }


# ==================================================================================================
# Clip rendering and truth
# ==================================================================================================


def render_frames(spec: ClipSpec, t_s: np.ndarray) -> Iterator[tuple[np.ndarray, float]]:
    """Yield (upright RGB frame (h, w, 3) uint8, share of the face in frame) for each time."""
    width, height = spec.size
    scan = load_scan()
    rng = np.random.default_rng(spec.seed + 11)
    second = None
    if spec.second_head is not None:
        h = spec.second_head
        second = pose_vertices(
            scan, BodyPose(h.rotation_deg, h.tilt_deg, h.flexion_deg, offset_cm=h.offset_cm)
        )
    with FrameRenderer(spec.look, width, height) as renderer:
        for pose in spec.body_poses(t_s):
            body = pose_vertices(scan, pose)
            image = renderer.render([body] if second is None else [second, body])
            if spec.noise_sigma > 0:
                noise = rng.normal(0.0, spec.noise_sigma, image.shape)
                image = np.clip(image + noise, 0, 255).astype(np.uint8)
            yield image, renderer.face_in_frame(body)


def render_clip(spec: ClipSpec, out_dir: Path) -> dict:
    """Render ``spec`` to ``out_dir/NAME.mp4`` and ``out_dir/NAME.truth.json``; return the truth."""
    out_dir.mkdir(parents=True, exist_ok=True)
    t_s = spec.frame_times()
    width, height = spec.size
    coded = (height, width) if spec.portrait_tag else (width, height)
    clip_path = out_dir / f"{spec.name}.mp4"
    face_share = []
    with tempfile.TemporaryDirectory() as tmp:
        raw_path = Path(tmp) / "raw.mp4" if spec.portrait_tag else clip_path
        writer = Mp4Writer(raw_path, *coded, fps=spec.fps, crf=spec.crf)
        try:
            for (image, share), t in zip(render_frames(spec, t_s), t_s, strict=True):
                writer.write(np.rot90(image, k=PORTRAIT_STORE_K) if spec.portrait_tag else image, t)
                face_share.append(share)
        finally:
            writer.close()
        if spec.portrait_tag:
            tag_display_rotation(raw_path, clip_path, ccw_deg=-90 * PORTRAIT_STORE_K)
    decoded = probe(clip_path)
    _check_decoded(spec, decoded, t_s, coded)
    truth = build_truth(spec, t_s, np.asarray(face_share), decoded)
    (out_dir / f"{spec.name}.truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth


def _check_decoded(spec: ClipSpec, decoded: dict, t_s: np.ndarray, coded: tuple[int, int]) -> None:
    """The encoded clip must hold exactly the frames and times we rendered."""
    if len(decoded["t_s"]) != len(t_s) or np.max(np.abs(decoded["t_s"] - t_s)) > 1e-6:
        raise RuntimeError(f"{spec.name}: decoded frame times differ from the rendered ones")
    if tuple(decoded["coded_size"]) != coded:
        raise RuntimeError(f"{spec.name}: coded size {decoded['coded_size']} != {coded}")
    if spec.portrait_tag == (decoded["rotation_deg"] == 0):
        raise RuntimeError(f"{spec.name}: unexpected rotation tag {decoded['rotation_deg']}")


def upright_op(rotation_deg: int) -> str:
    """The numpy call that turns a decoded frame upright, for PyAV's ``frame.rotation`` (deg, + = the
    display matrix turns the picture counter-clockwise)."""
    k = (rotation_deg // 90) % 4
    return "none" if k == 0 else f"np.rot90(img, k={k if k != 3 else -1})"


def build_truth(spec: ClipSpec, t_s: np.ndarray, face_share: np.ndarray, decoded: dict) -> dict:
    """The truth dictionary (schema ``posture.truth/1``) of a rendered clip."""
    angles = head_angles(spec.motion, t_s)
    names = ("rotation_deg", "tilt_deg", "flexion_deg")
    tremors = [p for p in spec.motion if isinstance(p, Tremor)]
    sways = [p for p in spec.motion if isinstance(p, Sway)]
    look = spec.look
    return {
        "schema": "posture.truth/1",
        "clip": f"{spec.name}.mp4",
        "description": spec.description,
        "fps_nominal": spec.fps,
        "variable_frame_rate": spec.vfr_interval_ms is not None,
        "coded_size": list(decoded["coded_size"]),
        "display_size": list(spec.size),
        "rotation_tag_deg": decoded["rotation_deg"],
        "upright_op": upright_op(decoded["rotation_deg"]),
        "frames": {
            "t_s": [float(t) for t in t_s],
            "rotation_deg": _rounded(angles[:, 0]),
            "tilt_deg": _rounded(angles[:, 1]),
            "flexion_deg": _rounded(angles[:, 2]),
            "face_visible": [bool(s >= 0.999) for s in face_share],
            "face_in_frame": _rounded(face_share, 3),
        },
        "posture": dict(zip(names, _rounded(np.median(angles, axis=0)), strict=True)),
        "tremor": None
        if not tremors
        else {
            "axis": tremors[0].axis,
            "frequency_hz": tremors[0].frequency_hz,
            "amplitude_deg": tremors[0].amplitude_deg,
            "irregularity": tremors[0].irregularity,
        },
        "jerks": [
            {"t_s": p.t_s, "axis": p.axis, "size_deg": p.size_deg, "duration_s": p.duration_s}
            for p in spec.motion
            if isinstance(p, Jerk)
        ],
        "sway": [
            {"axis": p.axis, "frequency_hz": p.frequency_hz, "amplitude_deg": p.amplitude_deg} for p in sways
        ],
        "range_of_motion": range_of_motion(spec.motion) if spec.range_of_motion else None,
        "shoulders": None
        if spec.shoulders is None
        else {"raised": spec.shoulders.side, "elevation_cm": spec.shoulders.elevation_cm},
        "shift": None if spec.shift_cm == 0 else {"lateral_cm": spec.shift_cm},
        "render": {
            "skin": look.skin,
            "light": asdict(look.light),
            "background": asdict(look.background),
            "shirt_rgb": list(look.shirt_rgb),
            "face_scale": list(look.face_scale),
            "camera": _camera_truth(look.framing, *spec.size),
            "noise_sigma": spec.noise_sigma,
            "crf": spec.crf,
            "second_head": None if spec.second_head is None else asdict(spec.second_head),
            "seed": spec.seed,
            "model_credit": CREDIT,
        },
    }


def range_of_motion(motion: Sequence[Primitive]) -> dict[str, float | None]:
    """Furthest held position in each direction (positive degrees) from the Sweep knots plus any
    offset on that axis; None for a direction the clip never goes."""
    out: dict[str, float | None] = {}
    names = {
        "rotation": ("rotation_left_deg", "rotation_right_deg"),
        "tilt": ("tilt_left_deg", "tilt_right_deg"),
        "flexion": ("flexion_deg", "extension_deg"),
    }
    for axis, (positive, negative) in names.items():
        base = sum(p.deg for p in motion if isinstance(p, Offset) and p.axis == axis)
        values = [base + v for p in motion if isinstance(p, Sweep) and p.axis == axis for _, v in p.knots]
        out[positive] = float(max(values)) if values and max(values) > 0 else None
        out[negative] = float(-min(values)) if values and min(values) < 0 else None
    return out


def _camera_truth(framing: Framing, width: int, height: int) -> dict:
    """Pinhole intrinsics of the displayed (upright) image and the camera placement."""
    f = framing.focal_px(width)
    return {
        "hfov_deg": framing.hfov_deg,
        "fx_px": round(f, 3),
        "fy_px": round(f, 3),
        "cx_px": width / 2,
        "cy_px": height / 2,
        "distance_cm": round(framing.distance_cm, 2),
        "offset_cm": [round(c, 2) for c in framing.offset_cm],
    }


def _rounded(values: np.ndarray, digits: int = 5) -> list[float]:
    return [round(float(v), digits) + 0.0 for v in values]


# ==================================================================================================
# CLI
# ==================================================================================================


def _look_from_args(args: argparse.Namespace) -> Look:
    look = random_look(args.seed)
    if args.skin:
        look = replace(look, skin=args.skin)
    if args.light:
        look = replace(look, light=LIGHTS[args.light])
    if args.background:
        look = replace(look, background=replace(look.background, kind=args.background))
    return look


def main(argv: Sequence[str] | None = None) -> int:
    """``frame``: one still PNG at a pose; ``clip``: a held pose (optionally with tremor) as MP4 + truth."""
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("frame", "clip"):
        p = sub.add_parser(name)
        p.add_argument("--rotation", type=float, default=0.0, help="deg, + = chin to the patient's left")
        p.add_argument("--tilt", type=float, default=0.0, help="deg, + = left ear to the left shoulder")
        p.add_argument("--flexion", type=float, default=0.0, help="deg, + = chin down")
        p.add_argument("--shift-cm", type=float, default=0.0, help="head shift, + = to the patient's left")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--skin", choices=list(SKIN_TONES))
        p.add_argument("--light", choices=list(LIGHTS))
        p.add_argument("--background", choices=["plain", "gradient", "clutter"])
        p.add_argument("--size", type=int, nargs=2, default=(640, 480), metavar=("W", "H"))
        p.add_argument("-o", "--out", type=Path, required=True)
    clip = sub.choices["clip"]
    clip.add_argument("--name", default="clip")
    clip.add_argument("--seconds", type=float, default=3.0)
    clip.add_argument("--fps", type=float, default=30.0)
    clip.add_argument("--crf", type=int, default=22)
    clip.add_argument("--tremor", nargs=3, metavar=("AXIS", "HZ", "DEG"), help="e.g. rotation 4 1.5")
    args = parser.parse_args(argv)

    motion: list[Primitive] = [
        Offset("rotation", args.rotation),
        Offset("tilt", args.tilt),
        Offset("flexion", args.flexion),
    ]
    spec = ClipSpec(
        name=getattr(args, "name", "frame"),
        description="command-line clip",
        duration_s=getattr(args, "seconds", 0.0),
        look=_look_from_args(args),
        seed=args.seed,
        size=tuple(args.size),
        shift_cm=args.shift_cm,
    )
    if args.command == "frame":
        image, _ = next(render_frames(replace(spec, motion=tuple(motion)), np.zeros(1)))
        cv2.imwrite(str(args.out), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        print(f"wrote {args.out}")
        return 0
    if args.tremor:
        axis, hz, deg = args.tremor
        motion.append(Tremor(axis, float(hz), float(deg)))
    spec = replace(spec, motion=tuple(motion), fps=args.fps, crf=args.crf)
    render_clip(spec, args.out)
    print(f"wrote {args.out / (spec.name + '.mp4')} and its truth file")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
