"""Copy MediaPipe's canonical face model and its Procrustes weights into the package.

Run once (the output is committed): ``python tools/import_face_model.py ../shared/data/face3d``.
Writes ``posture/data/canonical_face.csv`` with one row per landmark index (0..467):
``x_cm,y_cm,z_cm,weight`` in the model's frame (+x the face's left, +y up, +z toward the camera).
Source: the MediaPipe project (Apache License 2.0), see ``posture/data/LICENSE-mediapipe.txt``.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import numpy as np

OUT_DIR = Path(__file__).resolve().parents[1] / "posture" / "data"


def main(src: Path) -> None:
    vertices = [
        [float(v) for v in line.split()[1:4]]
        for line in (src / "canonical_face_model.obj").read_text().splitlines()
        if line.startswith("v ")
    ]
    xyz = np.asarray(vertices)
    if xyz.shape != (468, 3):
        raise SystemExit(f"expected 468 vertices, found {xyz.shape[0]}")
    weights = np.zeros(468)
    pattern = re.compile(r"landmark_id:\s*(\d+)\s+weight:\s*([0-9.eE+-]+)")
    for idx, w in pattern.findall((src / "geometry_pipeline_metadata_landmarks.pbtxt").read_text()):
        weights[int(idx)] = float(w)
    table = np.column_stack([xyz, weights])
    header = "x_cm,y_cm,z_cm,weight  MediaPipe canonical face model (Apache-2.0), row = landmark index"
    np.savetxt(OUT_DIR / "canonical_face.csv", table, fmt="%.6f", delimiter=",", header=header)
    shutil.copy(src / "LICENSE-mediapipe.txt", OUT_DIR / "LICENSE-mediapipe.txt")
    print(f"wrote {OUT_DIR / 'canonical_face.csv'}: {int((weights > 0).sum())} weighted landmarks")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/face3d"))
