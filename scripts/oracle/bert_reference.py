#!/usr/bin/env python3
"""Independent reference for BERT sentence embeddings: Hugging Face `tokenizers` for token ids and
a NumPy forward pass (float64) over the checkpoint's own safetensors, as sentence-transformers
computes it (GELU with erf, post-LayerNorm, then the pooling module's mean/cls, then L2).
No llama.cpp and no code of ours is involved.

usage: bert_reference.py CHECKPOINT_DIR [--ids-only] < texts.json > result.json
input: a JSON list of strings. output: {"ids": [[...]], "vectors": [[...]]} (vectors unless --ids-only)
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

DTYPES = {"F32": np.float32, "F16": np.float16}


def load_safetensors(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] not in DTYPES:
            continue
        start, end = meta["data_offsets"]
        a = np.frombuffer(raw[8 + n + start : 8 + n + end], DTYPES[meta["dtype"]]).reshape(meta["shape"])
        out[name.removeprefix("bert.")] = a.astype(np.float64)
    return out


erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def forward(ids, W, cfg):
    n = len(ids)
    heads = cfg["num_attention_heads"]
    eps = cfg.get("layer_norm_eps", 1e-12)
    x = W["embeddings.word_embeddings.weight"][ids]
    x = x + W["embeddings.position_embeddings.weight"][:n] + W["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    d = x.shape[1] // heads
    for layer in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        lin = lambda h, name: h @ W[p + name + ".weight"].T + W[p + name + ".bias"]
        q = lin(x, "attention.self.query").reshape(n, heads, d).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(n, heads, d).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(n, heads, d).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        s = s / s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, heads * d)
        x = layer_norm(x + lin(ctx, "attention.output.dense"),
                       W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(x + lin(h, "output.dense"), W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    return x


def pooling_mode(ckpt):
    modules = ckpt / "modules.json"
    if modules.exists():
        for m in json.loads(modules.read_text()):
            if m["type"].endswith("Pooling"):
                c = json.loads((ckpt / m["path"] / "config.json").read_text())
                if c.get("pooling_mode_cls_token"):
                    return "cls"
                if c.get("pooling_mode_lasttoken"):
                    return "last"
    return "mean"


def main():
    ckpt = Path(sys.argv[1])
    ids_only = "--ids-only" in sys.argv
    texts = json.load(sys.stdin)
    cfg = json.loads((ckpt / "config.json").read_text())
    tok = Tokenizer.from_file(str(ckpt / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=cfg["max_position_embeddings"])
    ids = [e.ids for e in tok.encode_batch(texts)]
    result = {"ids": ids}
    if not ids_only:
        W = load_safetensors(ckpt / "model.safetensors")
        mode = pooling_mode(ckpt)
        vectors = []
        for seq in ids:
            h = forward(seq, W, cfg)
            v = h.mean(0) if mode == "mean" else h[0] if mode == "cls" else h[-1]
            vectors.append((v / np.linalg.norm(v)).tolist())
        result["vectors"] = vectors
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
