#!/usr/bin/env python3
"""Checks a GGUF converted from an ONNX export against the export's own initializers, read by the
`onnx` package (not our reader) and placed by their graph names independently of our converter:
every tensor of the GGUF must equal its initializer exactly (Linear weights transposed back from
ONNX's [in, out]), and every float weight of the export must be in the GGUF.

usage: onnx_tensors.py MODEL.onnx MODEL.f32.gguf GGUF_PY_DIR  -> JSON {"compared": n, "mismatches": [...], "unused": [...]}
"""
import json
import re
import sys

import numpy as np
import onnx
from onnx import numpy_helper

LAYER = {
    "attention.self.query": "attn_q",
    "attention.self.key": "attn_k",
    "attention.self.value": "attn_v",
    "attention.output.dense": "attn_output",
    "attention.output.LayerNorm": "attn_output_norm",
    "intermediate.dense": "ffn_up",
    "output.dense": "ffn_down",
    "output.LayerNorm": "layer_output_norm",
}
TOP = {
    "embeddings.word_embeddings": "token_embd",
    "embeddings.position_embeddings": "position_embd",
    "embeddings.token_type_embeddings": "token_types",
    "embeddings.LayerNorm": "token_embd_norm",
}


def gguf_name(hf):
    hf = hf.removeprefix("bert.")
    stem, _, suffix = hf.rpartition(".")
    if stem in TOP:
        return f"{TOP[stem]}.{suffix}"
    m = re.fullmatch(r"encoder\.layer\.(\d+)\.(.+)", stem)
    if m and m.group(2) in LAYER:
        return f"blk.{m.group(1)}.{LAYER[m.group(2)]}.{suffix}"
    return None


def main():
    model_path, gguf_path, gguf_py = sys.argv[1:4]
    sys.path.insert(0, gguf_py)
    import gguf

    model = onnx.load(model_path)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    expected = {}  # GGUF name -> (initializer name, array in PyTorch layout)
    for name, a in inits.items():
        g = gguf_name(name)
        if g is not None:
            expected[g] = (name, a)
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits:
            # "/encoder/layer.3/attention/self/query/MatMul" -> encoder.layer.3.attention.self.query
            scope = node.name.strip("/").rpartition("/")[0].replace("/", ".")
            g = gguf_name(scope + ".weight")
            if g is not None:
                expected[g] = (node.input[1], inits[node.input[1]].T)
    reader = gguf.GGUFReader(gguf_path)
    mismatches, compared, seen = [], 0, set()
    for t in reader.tensors:
        if t.name not in expected:
            mismatches.append(f"{t.name}: no initializer")
            continue
        init, want = expected[t.name]
        seen.add(init)
        got = np.asarray(t.data).reshape([int(d) for d in reversed(t.shape)])
        compared += 1
        if got.dtype != np.float32 or got.shape != want.shape or not np.array_equal(got, want.astype(np.float32)):
            mismatches.append(f"{t.name} ({init}): {got.dtype}{got.shape} vs {want.dtype}{want.shape}")
    unused = [n for n, a in inits.items() if a.dtype.kind == "f" and a.size > 1 and n not in seen]
    json.dump({"compared": compared, "mismatches": mismatches, "unused": unused}, sys.stdout)


if __name__ == "__main__":
    main()
