"""Writes the fuzz seeds: small valid BERT checkpoints (and near-misses) in the target's format,
config.json NUL tokenizer.json NUL model.safetensors. Usage: python3 seed.py OUT_DIR"""
import json, struct, sys, os

def checkpoint(vocab_size=12, hidden=8, layers=1, heads=2, ff=16, pos=16):
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "def", "return", "add", "(", ")", "x", "##s"]
    words += [f"w{i}" for i in range(len(words), vocab_size)]
    config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": hidden,
              "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": ff,
              "max_position_embeddings": pos, "vocab_size": vocab_size, "type_vocab_size": 2,
              "hidden_act": "gelu", "layer_norm_eps": 1e-12}
    tokenizer = {"model": {"type": "WordPiece", "vocab": {w: i for i, w in enumerate(words[:vocab_size])}},
                 "added_tokens": [{"id": i, "content": w, "special": True} for i, w in enumerate(words[:5])],
                 "normalizer": {"lowercase": True}}
    shapes = {"embeddings.word_embeddings.weight": [vocab_size, hidden],
              "embeddings.position_embeddings.weight": [pos, hidden],
              "embeddings.token_type_embeddings.weight": [2, hidden],
              "embeddings.LayerNorm.weight": [hidden], "embeddings.LayerNorm.bias": [hidden]}
    for l in range(layers):
        p = f"encoder.layer.{l}."
        for m in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
            shapes[p + m + ".weight"] = [hidden, hidden]
            shapes[p + m + ".bias"] = [hidden]
        for m in ["attention.output.LayerNorm", "output.LayerNorm"]:
            shapes[p + m + ".weight"] = [hidden]
            shapes[p + m + ".bias"] = [hidden]
        shapes[p + "intermediate.dense.weight"] = [ff, hidden]
        shapes[p + "intermediate.dense.bias"] = [ff]
        shapes[p + "output.dense.weight"] = [hidden, ff]
        shapes[p + "output.dense.bias"] = [hidden]
    header, data = {}, b""
    for name, shape in shapes.items():
        n = 1
        for d in shape:
            n *= d
        start = len(data)
        data += struct.pack(f"<{n}f", *[((i * 7) % 13 - 6) / 50 for i in range(n)])
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [start, len(data)]}
    h = json.dumps(header).encode()
    st = struct.pack("<Q", len(h)) + h + data
    return json.dumps(config).encode() + b"\0" + json.dumps(tokenizer).encode() + b"\0" + st

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
seeds = {"valid": checkpoint(), "two-layers": checkpoint(layers=2),
         "vocab-huge": checkpoint().replace(b'"vocab_size": 12', b'"vocab_size": 4294967295'),
         "layers-huge": checkpoint().replace(b'"num_hidden_layers": 1', b'"num_hidden_layers": 4294967295')}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
