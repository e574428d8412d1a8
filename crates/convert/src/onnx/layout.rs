//! Recovers a BERT checkpoint's tensors from an ONNX export's graph. Exporters keep the Hugging
//! Face names of embeddings, norms and biases, but fold each Linear weight into an anonymous
//! initializer (`onnx::MatMul_1525`) stored transposed, [in, out]. Its layer is told twice by the
//! graph: by the MatMul node's scope (`/encoder/layer.3/attention/self/query/MatMul`) and by the
//! named bias the next Add adds. Both are read; where both speak they must agree, and every weight
//! must end up with a name.

use std::collections::{BTreeMap, HashMap};

use super::proto::{dtype, Model, Node, Tensor};
use super::values;
use crate::bert;

/// A checkpoint tensor found in the graph.
#[derive(Debug, Clone, Copy)]
pub struct Weight<'m, 'a> {
    pub tensor: &'m Tensor<'a>,
    /// Stored [in, out] (as MatMul consumes it) rather than PyTorch's [out, in].
    pub transposed: bool,
}

#[derive(Debug)]
pub struct Layout<'m, 'a> {
    /// Hugging Face name -> where its values are.
    pub tensors: BTreeMap<String, Weight<'m, 'a>>,
    /// (heads, head size), where the graph tells them.
    pub heads: Option<(u64, u64)>,
    pub layer_norm_eps: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// A node only a quantized or runtime-optimised export has.
    Quantized {
        op: String,
        node: String,
    },
    Fused {
        op: String,
        domain: String,
    },
    /// A weight that no known node gives a name, or two names that disagree.
    Unmapped {
        tensor: String,
        reason: String,
    },
    Unsupported(String),
}

/// Ops of onnxruntime's quantized exports: lossy int8 weights, not a source of float32 ones.
const QUANTIZED_OPS: &[&str] = &[
    "MatMulInteger",
    "DynamicQuantizeLinear",
    "QLinearMatMul",
    "QuantizeLinear",
    "DequantizeLinear",
    "DynamicQuantizeMatMul",
    "MatMulNBits",
    "QGemm",
    "QAttention",
];

struct Graph<'m, 'a> {
    model: &'m Model<'a>,
    initializers: HashMap<&'a str, &'m Tensor<'a>>,
    /// Outputs of Constant nodes.
    constants: HashMap<&'a str, &'m Tensor<'a>>,
    producer: HashMap<&'a str, &'m Node<'a>>,
    consumers: HashMap<&'a str, Vec<&'m Node<'a>>>,
}

impl<'m, 'a> Graph<'m, 'a> {
    fn new(model: &'m Model<'a>) -> Graph<'m, 'a> {
        let g = &model.graph;
        let mut graph = Graph {
            model,
            initializers: g.initializers.iter().map(|t| (t.name, t)).collect(),
            constants: HashMap::new(),
            producer: HashMap::new(),
            consumers: HashMap::new(),
        };
        for node in &g.nodes {
            for &o in &node.outputs {
                graph.producer.insert(o, node);
            }
            for &i in &node.inputs {
                graph.consumers.entry(i).or_default().push(node);
            }
            if node.op_type == "Constant" {
                if let (Some(&out), Some(t)) = (
                    node.outputs.first(),
                    node.attribute("value").and_then(|a| a.tensor.as_ref()),
                ) {
                    graph.constants.insert(out, t);
                }
            }
        }
        graph
    }

    /// An initializer or a Constant node's value.
    fn constant(&self, name: &str) -> Option<&'m Tensor<'a>> {
        self.initializers
            .get(name)
            .or_else(|| self.constants.get(name))
            .copied()
    }

    fn consumers(&self, name: &str) -> &[&'m Node<'a>] {
        self.consumers.get(name).map_or(&[], Vec::as_slice)
    }
}

/// `Some(gguf name)` for a checkpoint name llama.cpp's BERT uses.
fn bert_tensor(hf: &str) -> Option<String> {
    bert::gguf_name(hf).flatten()
}

/// The checkpoint name a node's scope gives its weight: `/encoder/layer.3/attention/self/query/MatMul`
/// -> `encoder.layer.3.attention.self.query.weight`.
fn name_from_scope(node: &Node) -> Option<String> {
    let (scope, _) = node.name.trim_start_matches('/').rsplit_once('/')?;
    let hf = format!("{}.weight", scope.replace('/', "."));
    bert_tensor(&hf).map(|_| hf)
}

/// The checkpoint name the bias added to a node's output gives its weight.
fn name_from_bias(g: &Graph, node: &Node) -> Option<String> {
    let bias_of = |name: &str| -> Option<String> {
        g.initializers.get(name)?;
        let stem = name.strip_suffix(".bias")?;
        let hf = format!("{stem}.weight");
        bert_tensor(&hf).map(|_| hf)
    };
    if node.op_type == "Gemm" {
        return node.inputs.get(2).and_then(|b| bias_of(b));
    }
    let out = node.outputs.first()?;
    g.consumers(out)
        .iter()
        .filter(|n| n.op_type == "Add")
        .flat_map(|n| n.inputs.iter())
        .find_map(|i| bias_of(i))
}

fn unmapped<T>(tensor: &str, reason: String) -> Result<T, LayoutError> {
    Err(LayoutError::Unmapped {
        tensor: tensor.to_owned(),
        reason,
    })
}

pub fn bert_layout<'m, 'a>(model: &'m Model<'a>) -> Result<Layout<'m, 'a>, LayoutError> {
    let g = Graph::new(model);
    refuse_foreign_ops(&g)?;

    for t in &model.graph.initializers {
        if matches!(t.data_type, dtype::UINT8 | dtype::INT8) && t.dims.len() >= 2 {
            return Err(LayoutError::Quantized {
                op: format!("{} initializer", dtype::name(t.data_type)),
                node: t.name.to_owned(),
            });
        }
    }
    let mut tensors: BTreeMap<String, Weight> = BTreeMap::new();
    // Initializer name -> the checkpoint name it was given.
    let mut claimed: HashMap<&str, String> = HashMap::new();
    for t in &model.graph.initializers {
        if bert_tensor(t.name).is_some() {
            claimed.insert(t.name, t.name.to_owned());
            tensors.insert(
                t.name.to_owned(),
                Weight {
                    tensor: t,
                    transposed: false,
                },
            );
        }
    }
    for node in &model.graph.nodes {
        if node.op_type != "MatMul" && node.op_type != "Gemm" {
            continue;
        }
        let Some(t) = node
            .inputs
            .get(1)
            .and_then(|w| g.initializers.get(w).copied())
        else {
            continue; // activations times activations (attention scores)
        };
        // MatMul multiplies by W as stored: [in, out]. Gemm may be told to transpose it back.
        let transposed =
            node.op_type == "MatMul" || node.attribute("transB").and_then(|a| a.int) != Some(1);
        if let Some(hf) = claimed.get(t.name) {
            // A named weight fed to the product directly: its layout is the product's.
            if let Some(w) = tensors.get_mut(hf) {
                w.transposed = transposed;
            }
            continue;
        }
        let by_scope = name_from_scope(node);
        let by_bias = name_from_bias(&g, node);
        let hf = match (by_scope, by_bias) {
            (Some(a), Some(b)) if a != b => {
                return unmapped(
                    t.name,
                    format!("its {} node {:?} names {a}, but the bias added after it names {b}", node.op_type, node.name),
                )
            }
            (Some(a), _) => a,
            (None, Some(b)) => b,
            (None, None) => {
                return unmapped(
                    t.name,
                    format!(
                        "it feeds {} node {:?}, whose name is no BERT layer and which adds no named bias",
                        node.op_type, node.name
                    ),
                )
            }
        };
        if let Some(other) = tensors.get(&hf) {
            return unmapped(
                t.name,
                format!(
                    "{hf} is already given by initializer {:?}",
                    other.tensor.name
                ),
            );
        }
        claimed.insert(t.name, hf.clone());
        tensors.insert(
            hf,
            Weight {
                tensor: t,
                transposed,
            },
        );
    }
    for t in &model.graph.initializers {
        if claimed.contains_key(t.name) || bert::gguf_name(t.name) == Some(None) {
            continue;
        }
        let n = t.n_elements().unwrap_or(u64::MAX);
        // Scalars (scales, epsilons) and integer shape constants are the graph's own arithmetic.
        if values::is_float(t) && n > 1 {
            return unmapped(
                t.name,
                format!(
                    "a {} weight {:?} that no node this converter knows maps to a BERT tensor",
                    dtype::name(t.data_type),
                    t.dims
                ),
            );
        }
    }
    let hidden = tensors
        .get("embeddings.word_embeddings.weight")
        .or_else(|| tensors.get("bert.embeddings.word_embeddings.weight"))
        .and_then(|w| w.tensor.dims.get(1).copied());
    Ok(Layout {
        heads: hidden.and_then(|h| heads(&g, h)),
        layer_norm_eps: layer_norm_eps(&g),
        tensors,
    })
}

fn refuse_foreign_ops(g: &Graph) -> Result<(), LayoutError> {
    for node in &g.model.graph.nodes {
        if QUANTIZED_OPS.contains(&node.op_type) {
            return Err(LayoutError::Quantized {
                op: node.op_type.to_owned(),
                node: node.name.to_owned(),
            });
        }
        if !matches!(node.domain, "" | "ai.onnx") {
            return Err(LayoutError::Fused {
                op: node.op_type.to_owned(),
                domain: node.domain.to_owned(),
            });
        }
    }
    let ops: std::collections::HashSet<&str> =
        g.model.graph.nodes.iter().map(|n| n.op_type).collect();
    if ops.contains("Relu") && !["Erf", "Gelu", "Tanh"].iter().any(|o| ops.contains(o)) {
        return Err(LayoutError::Unsupported(
            "the feed-forward activation is ReLU; llama.cpp's BERT graph computes GELU".into(),
        ));
    }
    Ok(())
}

/// Head count and size, from the Reshape that splits layer 0's query/key/value projection into
/// heads: its target shape ends in [heads, head size], given as constants (possibly inside a
/// Concat with the dynamic batch and sequence sizes). Failing that, from the attention scale:
/// scores divided by sqrt(head size).
fn heads(g: &Graph, hidden: u64) -> Option<(u64, u64)> {
    let is_layer0_projection = |out: &str| -> bool {
        let Some(add) = g.producer.get(out) else {
            return false;
        };
        add.op_type == "Add"
            && add.inputs.iter().any(|i| {
                bert_tensor(i).is_some_and(|n| {
                    matches!(
                        n.as_str(),
                        "blk.0.attn_q.bias" | "blk.0.attn_k.bias" | "blk.0.attn_v.bias"
                    )
                })
            })
    };
    let valid = |h: i64, d: i64| -> Option<(u64, u64)> {
        let (h, d) = (u64::try_from(h).ok()?, u64::try_from(d).ok()?);
        (h > 0 && d > 0 && h.checked_mul(d) == Some(hidden)).then_some((h, d))
    };
    for node in &g.model.graph.nodes {
        if node.op_type != "Reshape"
            || !node.inputs.first().is_some_and(|i| is_layer0_projection(i))
        {
            continue;
        }
        let Some(shape) = node.inputs.get(1) else {
            continue;
        };
        let dims: Vec<Option<i64>> = match g.constant(shape).and_then(values::small_ints) {
            Some(v) => v.into_iter().map(Some).collect(),
            None => match g.producer.get(shape as &str) {
                Some(c) if c.op_type == "Concat" => c
                    .inputs
                    .iter()
                    .map(|i| {
                        g.constant(i)
                            .and_then(values::small_ints)
                            .filter(|v| v.len() == 1)
                            .map(|v| v[0])
                    })
                    .collect(),
                _ => continue,
            },
        };
        if let [.., Some(h), Some(d)] = dims[..] {
            if let Some(found) = valid(h, d) {
                return Some(found);
            }
        }
    }
    for node in &g.model.graph.nodes {
        let scale = match node.op_type {
            "Div" => node
                .inputs
                .get(1)
                .and_then(|i| g.constant(i))
                .and_then(values::scalar),
            "Mul" => node
                .inputs
                .get(1)
                .and_then(|i| g.constant(i))
                .and_then(values::scalar)
                .filter(|&s| s > 0.0)
                .map(|s| 1.0 / s),
            _ => None,
        };
        let scores = node.inputs.first().and_then(|i| g.producer.get(i as &str));
        let from_scores = scores.is_some_and(|p| {
            p.op_type == "MatMul" && p.inputs.iter().all(|i| g.constant(i).is_none())
        });
        if let (Some(s), true) = (scale, from_scores) {
            let d = (f64::from(s) * f64::from(s)).round() as i64;
            if d > 0 && hidden % d as u64 == 0 {
                return valid(hidden as i64 / d, d);
            }
        }
    }
    None
}

/// LayerNorm's epsilon: the constant added to the variance before its square root (opset < 17
/// exports spell LayerNorm out), or the LayerNormalization node's attribute.
fn layer_norm_eps(g: &Graph) -> Option<f32> {
    for node in &g.model.graph.nodes {
        match node.op_type {
            "LayerNormalization" => {
                return Some(
                    node.attribute("epsilon")
                        .and_then(|a| a.float)
                        .unwrap_or(1e-5),
                )
            }
            "Sqrt" => {
                let Some(add) = node.inputs.first().and_then(|i| g.producer.get(i as &str)) else {
                    continue;
                };
                if add.op_type == "Add" {
                    if let Some(eps) = add
                        .inputs
                        .iter()
                        .find_map(|i| g.constant(i).and_then(values::scalar))
                    {
                        return Some(eps);
                    }
                }
            }
            _ => {}
        }
    }
    None
}
