//! Every tensor llama.cpp's `load_arch_tensors` asks for, per architecture, in the same order and
//! under the same conditions (a fused `attn_qkv` instead of Q/K/V, the mixture-of-experts layers,
//! jina-bert-v2's gated `ffn_up`), with its shape in ggml order (ne0 first). Optional tensors
//! (`TENSOR_NOT_REQUIRED`) are checked for shape only when the file holds them.

use super::Dims;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    /// Accepted shapes (llama.cpp accepts more than one only where it says so).
    pub shapes: Vec<Vec<u64>>,
    pub required: bool,
    /// Why a tensor the loader calls optional is required here (the graph dereferences it).
    pub graph_needs: bool,
    /// The graph adds or multiplies it into F32 activations as it is (norms, biases, the token
    /// type row), and ggml's CPU kernels abort on an F16 or BF16 operand there: F32 only.
    pub f32_only: bool,
}

struct Table<'a> {
    rules: Vec<Rule>,
    file: &'a dyn Fn(&str) -> Option<Vec<u64>>,
}

impl Table<'_> {
    fn push(&mut self, name: String, shapes: Vec<Vec<u64>>, required: bool) {
        if !self.rules.iter().any(|r| r.name == name) {
            let f32_only = shapes.iter().all(|s| s.len() == 1) || name == "token_types.weight";
            self.rules.push(Rule {
                name,
                shapes,
                required,
                graph_needs: false,
                f32_only,
            });
        }
    }
    fn req(&mut self, name: impl Into<String>, shape: &[u64]) {
        self.push(name.into(), vec![shape.to_vec()], true);
    }
    fn opt(&mut self, name: impl Into<String>, shape: &[u64]) {
        self.push(name.into(), vec![shape.to_vec()], false);
    }
    fn has(&self, name: &str) -> bool {
        (self.file)(name).is_some()
    }
    /// llama.cpp's `create_tensor_qkv`: a fused `attn_qkv` (optional, with an optional bias, or
    /// else optional separate biases), or else required Q, K and V with optional biases.
    fn qkv(&mut self, l: u64, e: u64, q: u64, k: u64, v: u64) {
        let b = |part: &str| format!("blk.{l}.{part}");
        self.opt(b("attn_qkv.weight"), &[e, q + k + v]);
        if self.has(&b("attn_qkv.weight")) {
            self.opt(b("attn_qkv.bias"), &[q + k + v]);
            if self.has(&b("attn_qkv.bias")) {
                return;
            }
        } else {
            self.req(b("attn_q.weight"), &[e, q]);
            self.req(b("attn_k.weight"), &[e, k]);
            self.req(b("attn_v.weight"), &[e, v]);
        }
        self.opt(b("attn_q.bias"), &[q]);
        self.opt(b("attn_k.bias"), &[k]);
        self.opt(b("attn_v.bias"), &[v]);
    }
    /// A LayerNorm: weight and bias, both required.
    fn layer_norm(&mut self, name: &str, e: u64) {
        self.req(format!("{name}.weight"), &[e]);
        self.req(format!("{name}.bias"), &[e]);
    }
}

/// The tensors `arch` loads, or `None` for an architecture (or variant) this table does not
/// describe. `file` gives a tensor's shape in the file, or `None` when the file lacks it:
/// llama.cpp decides some tensors by what the file holds, and so does this.
pub fn tensor_rules(
    arch: &str,
    d: &Dims,
    file: &dyn Fn(&str) -> Option<Vec<u64>>,
) -> Option<Vec<Rule>> {
    let mut t = Table {
        rules: Vec::new(),
        file,
    };
    let (e, ff, n_vocab) = (d.n_embd, d.n_ff, d.n_vocab);
    let blk = |l: u64, part: &str| format!("blk.{l}.{part}");
    t.req("token_embd.weight", &[e, n_vocab]);
    match arch {
        "bert" | "nomic-bert" | "nomic-bert-moe" | "jina-bert-v3" => {
            t.opt("token_types.weight", &[e, d.n_token_types]);
            if arch == "bert" {
                t.req("position_embd.weight", &[e, d.n_ctx_train]);
                t.opt("cls.weight", &[e, e]);
                t.opt("cls.bias", &[e]);
                t.opt("cls.output.weight", &[e, d.n_cls_out]);
                t.opt("cls.output.bias", &[d.n_cls_out]);
            }
            t.layer_norm("token_embd_norm", e);
            for l in 0..d.n_layer {
                t.qkv(l, e, e, d.v_gqa(), d.v_gqa());
                t.req(blk(l, "attn_output.weight"), &[e, e]);
                t.opt(blk(l, "attn_output.bias"), &[e]);
                t.layer_norm(&blk(l, "attn_output_norm"), e);
                let moe = arch == "nomic-bert-moe" && d.moe_every > 0 && l % d.moe_every == 1;
                if moe {
                    t.req(blk(l, "ffn_up_exps.weight"), &[e, ff, d.n_expert]);
                    t.req(blk(l, "ffn_down_exps.weight"), &[ff, e, d.n_expert]);
                    t.req(blk(l, "ffn_gate_inp.weight"), &[e, d.n_expert]);
                } else {
                    t.req(blk(l, "ffn_up.weight"), &[e, ff]);
                    t.opt(blk(l, "ffn_up.bias"), &[ff]);
                    t.req(blk(l, "ffn_down.weight"), &[ff, e]);
                    t.opt(blk(l, "ffn_down.bias"), &[e]);
                }
                if arch == "nomic-bert" {
                    t.req(blk(l, "ffn_gate.weight"), &[e, ff]);
                }
                t.layer_norm(&blk(l, "layer_output_norm"), e);
            }
        }
        "jina-bert-v2" => {
            t.req("token_types.weight", &[e, d.n_token_types]);
            t.layer_norm("token_embd_norm", e);
            t.opt("cls.weight", &[e, 1]);
            t.opt("cls.bias", &[1]);
            for l in 0..d.n_layer {
                t.qkv(l, e, e, d.v_gqa(), d.v_gqa());
                for norm in ["attn_q_norm", "attn_k_norm"] {
                    t.opt(blk(l, &format!("{norm}.weight")), &[e]);
                    t.opt(blk(l, &format!("{norm}.bias")), &[e]);
                }
                t.req(blk(l, "attn_output.weight"), &[e, e]);
                t.req(blk(l, "attn_output.bias"), &[e]);
                t.layer_norm(&blk(l, "attn_output_norm"), e);
                t.opt(blk(l, "attn_norm_2.weight"), &[e]);
                t.opt(blk(l, "attn_norm_2.bias"), &[e]);
                t.opt(blk(l, "ffn_gate.weight"), &[e, ff]);
                // ffn_up holds the gate too when it is twice as wide (llama.cpp asserts one or
                // the other); its bias follows the width the file has.
                let up = blk(l, "ffn_up.weight");
                let width = (t.file)(&up)
                    .and_then(|s| s.get(1).copied())
                    .filter(|&w| w == ff * 2)
                    .unwrap_or(ff);
                t.push(up, vec![vec![e, ff], vec![e, ff * 2]], true);
                t.opt(blk(l, "ffn_up.bias"), &[width]);
                t.req(blk(l, "ffn_down.weight"), &[ff, e]);
                t.req(blk(l, "ffn_down.bias"), &[e]);
                t.layer_norm(&blk(l, "layer_output_norm"), e);
            }
        }
        "modern-bert" => {
            if d.n_layer_decision > 0 {
                return None;
            }
            t.req("token_embd_norm.weight", &[e]);
            t.req("output_norm.weight", &[e]);
            for l in 0..d.n_layer {
                if l == 0 {
                    t.opt(blk(l, "attn_norm.weight"), &[e]);
                } else {
                    t.req(blk(l, "attn_norm.weight"), &[e]);
                }
                t.req(blk(l, "attn_qkv.weight"), &[e, 3 * e]);
                t.req(blk(l, "attn_output.weight"), &[e, e]);
                t.req(blk(l, "ffn_up.weight"), &[e, 2 * ff]);
                t.req(blk(l, "ffn_down.weight"), &[ff, e]);
                t.req(blk(l, "ffn_norm.weight"), &[e]);
            }
            t.opt("cls.output.weight", &[e, d.n_cls_out]);
            t.opt("cls.output.bias", &[d.n_cls_out]);
            t.opt("cls.weight", &[e, e]);
            t.opt("cls.norm.weight", &[e]);
        }
        "neo-bert" => {
            t.opt("cls.weight", &[e, e]);
            t.opt("cls.bias", &[e]);
            t.opt("cls.output.weight", &[e, d.n_cls_out]);
            t.opt("cls.output.bias", &[d.n_cls_out]);
            t.req("enc.output_norm.weight", &[e]);
            for l in 0..d.n_layer {
                t.req(blk(l, "attn_norm.weight"), &[e]);
                t.req(blk(l, "attn_qkv.weight"), &[e, e + 2 * d.v_gqa()]);
                t.req(blk(l, "attn_output.weight"), &[e, e]);
                t.req(blk(l, "ffn_norm.weight"), &[e]);
                t.req(blk(l, "ffn_up.weight"), &[e, 2 * ff]);
                t.req(blk(l, "ffn_down.weight"), &[ff, e]);
            }
        }
        "eurobert" => {
            t.req("output_norm.weight", &[e]);
            for l in 0..d.n_layer {
                t.req(blk(l, "attn_norm.weight"), &[e]);
                t.qkv(l, e, e, d.v_gqa(), d.v_gqa());
                t.req(blk(l, "attn_output.weight"), &[e, e]);
                gated_ffn(&mut t, l, e, ff);
            }
        }
        "t5encoder" => {
            t.req("enc.output_norm.weight", &[e]);
            t.opt("output.weight", &[e, n_vocab]);
            for l in 0..d.n_layer {
                let enc = |part: &str| format!("enc.blk.{l}.{part}");
                t.req(enc("attn_norm.weight"), &[e]);
                // Optional to the loader, but the encoder graph falls back on layer 0's table
                // for every layer and dereferences it.
                t.push(
                    enc("attn_rel_b.weight"),
                    vec![vec![d.n_head, d.n_rel_buckets]],
                    l == 0,
                );
                if l == 0 {
                    if let Some(r) = t.rules.last_mut() {
                        r.graph_needs = true;
                    }
                }
                t.req(enc("attn_q.weight"), &[e, d.k_gqa()]);
                t.req(enc("attn_k.weight"), &[e, d.k_gqa()]);
                t.req(enc("attn_v.weight"), &[e, d.v_gqa()]);
                t.req(enc("attn_o.weight"), &[d.v_gqa(), e]);
                t.req(enc("ffn_norm.weight"), &[e]);
                t.opt(enc("ffn_gate.weight"), &[e, ff]);
                t.req(enc("ffn_down.weight"), &[ff, e]);
                t.req(enc("ffn_up.weight"), &[e, ff]);
            }
        }
        "gemma-embedding" => {
            t.req("output_norm.weight", &[e]);
            t.opt("output.weight", &[e, n_vocab]);
            t.opt("dense_2.weight", &[e, d.dense_2_out]);
            t.opt("dense_3.weight", &[d.dense_3_in, e]);
            for l in 0..d.n_layer {
                t.req(blk(l, "attn_norm.weight"), &[e]);
                t.qkv(l, e, d.q(), d.k_gqa(), d.v_gqa());
                t.req(blk(l, "attn_output.weight"), &[d.q(), e]);
                t.req(blk(l, "post_attention_norm.weight"), &[e]);
                t.req(blk(l, "attn_k_norm.weight"), &[d.head_k]);
                t.req(blk(l, "attn_q_norm.weight"), &[d.head_k]);
                gated_ffn(&mut t, l, e, ff);
                t.req(blk(l, "post_ffw_norm.weight"), &[e]);
            }
        }
        "qwen2" | "qwen3" => {
            t.req("output_norm.weight", &[e]);
            t.opt("output.weight", &[e, n_vocab]);
            if arch == "qwen2" {
                t.opt("output.bias", &[n_vocab]);
            } else {
                t.opt("cls.output.weight", &[e, d.n_cls_out]);
            }
            for l in 0..d.n_layer {
                t.req(blk(l, "attn_norm.weight"), &[e]);
                if arch == "qwen2" {
                    t.qkv(l, e, e, d.v_gqa(), d.v_gqa());
                    t.req(blk(l, "attn_output.weight"), &[e, e]);
                } else {
                    t.qkv(l, e, d.q(), d.v_gqa(), d.v_gqa());
                    t.req(blk(l, "attn_output.weight"), &[d.q(), e]);
                    t.req(blk(l, "attn_k_norm.weight"), &[d.head_k]);
                    t.req(blk(l, "attn_q_norm.weight"), &[d.head_k]);
                }
                gated_ffn(&mut t, l, e, ff);
            }
        }
        "llama" | "llama-embed" => {
            if d.n_expert > 0 {
                return None;
            }
            t.req("output_norm.weight", &[e]);
            t.opt("output.weight", &[e, n_vocab]);
            for l in 0..d.n_layer {
                t.req(blk(l, "attn_norm.weight"), &[e]);
                t.qkv(l, e, d.q(), d.k_gqa(), d.v_gqa());
                t.req(blk(l, "attn_output.weight"), &[d.q(), e]);
                t.opt(blk(l, "attn_output.bias"), &[e]);
                if d.longrope {
                    t.opt("rope_factors_long.weight", &[d.n_rot / 2]);
                    t.opt("rope_factors_short.weight", &[d.n_rot / 2]);
                } else {
                    t.opt("rope_freqs.weight", &[d.n_rot / 2]);
                }
                gated_ffn(&mut t, l, e, ff);
                t.opt(blk(l, "ffn_gate.bias"), &[ff]);
                t.opt(blk(l, "ffn_down.bias"), &[e]);
                t.opt(blk(l, "ffn_up.bias"), &[ff]);
            }
        }
        _ => return None,
    }
    Some(t.rules)
}

/// `ffn_norm` and a SwiGLU feed-forward (gate, up, down), all required.
fn gated_ffn(t: &mut Table, l: u64, e: u64, ff: u64) {
    t.req(format!("blk.{l}.ffn_norm.weight"), &[e]);
    t.req(format!("blk.{l}.ffn_gate.weight"), &[e, ff]);
    t.req(format!("blk.{l}.ffn_up.weight"), &[e, ff]);
    t.req(format!("blk.{l}.ffn_down.weight"), &[ff, e]);
}

/// Tensors llama.cpp's generic pass loads for any architecture when present (per-tensor scales of
/// FP4/FP8 exports): allowed beside the table, never required.
pub fn is_generic_scale(name: &str) -> bool {
    name.ends_with(".scale") || name.ends_with(".input_scale")
}
