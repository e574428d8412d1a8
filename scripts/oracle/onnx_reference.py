#!/usr/bin/env python3
"""Independent reference for an ONNX export of a BERT-family encoder: Hugging Face `tokenizers` for
token ids and onnxruntime running the original ONNX file (float32, CPU), then the model card's
pooling (CLS or attention-masked mean) and L2 normalisation, as sentence-transformers computes it.
No llama.cpp and no code of ours is involved.

usage: onnx_reference.py MODEL.onnx TOKENIZER.json cls|mean [--ids-only] < texts.json > result.json
input: a JSON list of strings (prefixes already applied). output: {"ids": [[...]], "vectors": [[...]]}
"""
import json
import sys

import numpy as np
from tokenizers import Tokenizer

MAX_TOKENS = 512


def main():
    model, tokenizer_path, pooling = sys.argv[1:4]
    ids_only = "--ids-only" in sys.argv[4:]
    texts = json.load(sys.stdin)
    tok = Tokenizer.from_file(tokenizer_path)
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    encodings = [tok.encode(t) for t in texts]
    out = {"ids": [e.ids for e in encodings]}
    if not ids_only:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        # No graph rewrites: the reference is the export as written.
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        names = {i.name for i in session.get_inputs()}
        vectors = []
        for e in encodings:
            feed = {
                "input_ids": np.array([e.ids], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids], dtype=np.int64),
            }
            hidden = session.run(None, {k: v for k, v in feed.items() if k in names})[0][0].astype(np.float64)
            v = hidden[0] if pooling == "cls" else hidden.mean(axis=0)
            vectors.append((v / np.linalg.norm(v)).tolist())
        out["vectors"] = vectors
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
