//! The tensors of a file against what llama.cpp's loader will ask for: every required one present,
//! every one present of the shape it expects, none it would not ask for (the loader counts them
//! and fails with "wrong number of tensors", naming none).

use gguf_embed_format::GgmlType;

use crate::architectures::{is_generic_scale, tensor_rules, Dims};

use super::{fail_tensor, Ctx, PreflightError};

pub(super) fn tensors<B: AsRef<[u8]>>(
    c: &Ctx<B>,
    n_vocab: u64,
    dims: Option<&Dims>,
) -> Result<(), PreflightError> {
    let n_embd = c.required_uint(&c.key("embedding_length"))?;
    let Some(embd) = c.g.tensor("token_embd.weight") else {
        return fail_tensor(
            "MissingTensor",
            "token_embd.weight",
            "token_embd.weight is missing".into(),
        );
    };
    if embd.n_dims != 2 || embd.dims[0] != n_embd || (n_vocab > 0 && embd.dims[1] != n_vocab) {
        return fail_tensor(
            "VocabSize",
            "token_embd.weight",
            format!(
                "token_embd.weight is {:?}, expected [{n_embd}, {n_vocab}] (embedding length, tokens)",
                embd.shape()
            ),
        );
    }
    let Some(dims) = dims else {
        return Ok(());
    };
    let shape_of = |name: &str| c.g.tensor(name).map(|t| t.shape().to_vec());
    let Some(rules) = tensor_rules(&c.arch, dims, &shape_of) else {
        return Ok(());
    };
    for rule in &rules {
        match shape_of(&rule.name) {
            None if rule.required => {
                let why = if rule.graph_needs {
                    " (llama.cpp's loader calls it optional, but its graph uses it)"
                } else {
                    ""
                };
                return fail_tensor(
                    "MissingTensor",
                    &rule.name,
                    format!("{} ({}) is missing{why}", rule.name, c.arch),
                );
            }
            None => {}
            Some(shape) if !rule.shapes.iter().any(|s| same_shape(s, &shape)) => {
                let expected = match rule.shapes.as_slice() {
                    [one] => format!("{one:?}"),
                    many => format!("one of {many:?}"),
                };
                return fail_tensor(
                    "TensorShape",
                    &rule.name,
                    format!("{} is {shape:?}, {} expects {expected}", rule.name, c.arch),
                );
            }
            Some(_) => {
                let ty = c.g.tensor(&rule.name).map(|t| t.ggml_type);
                if rule.f32_only && ty != Some(GgmlType::F32) {
                    return fail_tensor(
                        "TensorType",
                        &rule.name,
                        format!(
                            "{} is {ty:?}; llama.cpp adds it to F32 activations as it is, which aborts unless it is F32",
                            rule.name
                        ),
                    );
                }
            }
        }
    }
    for t in c.g.tensors() {
        if !is_generic_scale(t.name) && !rules.iter().any(|r| r.name == t.name) {
            return fail_tensor(
                "UnexpectedTensor",
                t.name,
                format!(
                    "{} is not a tensor llama.cpp loads for {} with these hyper-parameters",
                    t.name, c.arch
                ),
            );
        }
    }
    Ok(())
}

/// As ggml compares: the listed dimensions equal, any further ones 1.
fn same_shape(expected: &[u64], actual: &[u64]) -> bool {
    (0..expected.len().max(actual.len()))
        .all(|i| expected.get(i).copied().unwrap_or(1) == actual.get(i).copied().unwrap_or(1))
}
