//! The static tier, built the model2vec way: every vocabulary token embedded on its own through the
//! transformer (or its row of `token_embd.weight`), then, given a corpus, the rows fitted to the
//! teacher's vectors of its texts and the tokens weighted by their corpus frequency (learn.rs;
//! without one, a Zipf/SIF prior over the vocabulary order), dimensions reduced by PCA, rows
//! quantized to int8 or int4 with a scale per row, written as a self-contained GGUF: the table plus
//! the source's tokenizer, the hyper-parameters llama.cpp needs to load that tokenizer alone, and
//! the pre-tokenisation every caller of the table applies.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gguf_embed_format::{GgmlType, Gguf, GgufWriter, Limits, MetaValue, TensorData};
use llama_cpp_2::token::LlamaToken;

use crate::embedder::{EmbedRequest, Embedder, EmbedderOptions};
use crate::profile::{choose, ModelFacts};
use crate::static_tier::fit::FitReport;
use crate::static_tier::learn::{learn, zipf_weights, Teaching, Weighting};
use crate::static_tier::pca::Pca;
use crate::static_tier::pretokenize::{self, Pretokenize};
use crate::tokens::specials_around;
use crate::EngineError;

/// Metadata keys of a static table (`gguf-embed.static.*`).
pub mod keys {
    pub const DIMENSIONS: &str = "gguf-embed.static.dimensions";
    pub const BITS: &str = "gguf-embed.static.bits";
    pub const SOURCE: &str = "gguf-embed.static.source";
    pub const FROM: &str = "gguf-embed.static.from";
    pub const QUERY_PREFIX: &str = "gguf-embed.static.query_prefix";
    pub const DOCUMENT_PREFIX: &str = "gguf-embed.static.document_prefix";
    pub const WEIGHTING: &str = "gguf-embed.static.weighting";
    /// Texts of the corpus the rows were fitted to (absent: not fitted).
    pub const FITTED_TEXTS: &str = "gguf-embed.static.fitted_texts";
    pub const TABLE: &str = "static.table";
    pub const SCALE: &str = "static.scale";
}

/// Vocabulary tokens embedded per request.
const CHUNK: usize = 2048;

/// Where the table comes from. The benchmark (BENCHMARKS.md, "Code retrieval") measured the
/// token_embd rows slightly better than the transformer pass on MiniLM, so they are the default
/// where the model stores them at F32/F16; the transformer pass works for any model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFrom {
    /// token_embd rows when stored at F32/F16, else the transformer.
    Auto,
    /// Each token through the transformer, pooled as the model pools.
    Transformer,
    /// The model's input embedding rows, as stored.
    TokenEmbd,
}

#[derive(Debug, Clone)]
pub struct DistillOptions {
    pub dimensions: Option<usize>,
    pub bits: u8,
    pub from: TableFrom,
    pub threads: Option<usize>,
    /// Set to stop between batches of the vocabulary and corpus passes, between fit iterations
    /// and before writing: ABORTED, nothing written.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Applied to every text before the tokenizer, here and by every caller of the table.
    pub pretokenize: Pretokenize,
    /// JSON Lines of texts (corpus.rs) to weight tokens by and fit the rows to.
    pub corpus: Option<PathBuf>,
    /// Default: Corpus with a corpus, else Zipf.
    pub weighting: Option<Weighting>,
    /// Fit the rows to the teacher's vectors of the corpus (needs a corpus).
    pub fit: bool,
    /// The fit's ridge strength, relative to the corpus's mean token weight squared.
    pub regularization: f64,
    pub fit_iterations: usize,
    /// SIF coefficient of corpus weighting.
    pub sif: f64,
}

impl Default for DistillOptions {
    fn default() -> Self {
        DistillOptions {
            dimensions: None,
            bits: 8,
            from: TableFrom::Auto,
            threads: None,
            cancel: None,
            pretokenize: Pretokenize::Identifiers,
            corpus: None,
            weighting: None,
            fit: true,
            // Chosen on packages held out of the training corpus (BENCHMARKS.md, static tier levers):
            // 0.01 tied it there, 1 and 10 were worse.
            regularization: 0.1,
            fit_iterations: 30,
            sif: 1e-3,
        }
    }
}

/// What a running distill is doing, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Each vocabulary token through the transformer.
    Vocabulary,
    /// The teacher embedding the corpus.
    Corpus,
    /// Iterations of the fit.
    Fit,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Vocabulary => "vocabulary",
            Phase::Corpus => "corpus",
            Phase::Fit => "fit",
        }
    }
}

impl DistillOptions {
    pub(crate) fn check_cancel(&self) -> Result<(), EngineError> {
        match &self.cancel {
            Some(c) if c.load(Ordering::Relaxed) => Err(EngineError::Aborted),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DistillReport {
    pub vocab: usize,
    pub embedded: usize,
    pub dimensions: usize,
    pub bits: u8,
    pub from: &'static str,
    /// Share of the variance the kept components explain.
    pub explained: f64,
    pub table_bytes: u64,
    pub file_bytes: u64,
    pub pretokenize: Pretokenize,
    pub weighting: Weighting,
    /// Texts read from the corpus (0 without one).
    pub corpus_texts: usize,
    pub fit: Option<FitReport>,
}

fn bad(param: &'static str, m: String) -> EngineError {
    EngineError::invalid(param, m)
}

/// The model cannot give a static table (no vocabulary, no usable embedding rows).
fn unusable(path: &Path, reason: String) -> EngineError {
    EngineError::ModelLoad {
        path: path.to_path_buf(),
        reason,
    }
}

/// Tokens worth a row: normal, unknown, user-defined and byte tokens (llama.cpp token types 1, 2,
/// 4, 6); control and unused tokens get a zero row and are skipped when embedding text.
fn embeddable(g: &Gguf, n_vocab: usize) -> Vec<bool> {
    match g
        .get("tokenizer.ggml.token_type")
        .and_then(|v| v.as_array())
    {
        Some(types) => (0..n_vocab as u64)
            .map(|i| matches!(types.get(i).and_then(|v| v.as_u64()), Some(1 | 2 | 4 | 6)))
            .collect(),
        None => vec![true; n_vocab],
    }
}

fn check_dimensions(dims: usize, width: Option<usize>, bits: u8) -> Result<(), EngineError> {
    let d = width.unwrap_or(usize::MAX);
    if dims == 0 || dims > d {
        return Err(bad(
            "dimensions",
            format!("dimensions must be between 1 and the model's {d}, got {dims}"),
        ));
    }
    if bits == 4 && dims % 2 == 1 {
        return Err(bad(
            "dimensions",
            format!("4-bit rows need an even number of dimensions, got {dims}"),
        ));
    }
    Ok(())
}

pub fn distill(
    input: &Path,
    output: &Path,
    options: &DistillOptions,
    mut progress: impl FnMut(Phase, usize, usize),
) -> Result<DistillReport, EngineError> {
    if options.bits != 8 && options.bits != 4 {
        return Err(bad(
            "bits",
            format!("bits must be 8 or 4, got {}", options.bits),
        ));
    }
    let g = Gguf::open(input, &Limits::default())?;
    let facts = ModelFacts::read(&g);
    let n_vocab = facts.n_vocab as usize;
    if n_vocab == 0 {
        return Err(unusable(input, "no tokenizer.ggml.tokens".into()));
    }
    let keep = embeddable(&g, n_vocab);
    let stored = g
        .tensor("token_embd.weight")
        .is_some_and(|t| matches!(t.ggml_type, GgmlType::F32 | GgmlType::F16));
    let from = match options.from {
        TableFrom::Auto if stored => TableFrom::TokenEmbd,
        TableFrom::Auto => TableFrom::Transformer,
        f => f,
    };
    // Checked before the vocabulary pass (minutes), from the width of the embedding rows, which
    // is the width of the model's output for the BERT-family models distilled here.
    let width = g.tensor("token_embd.weight").map(|t| t.dims[0] as usize);
    let dims = options.dimensions.unwrap_or(width.unwrap_or(256).min(256));
    check_dimensions(dims, width, options.bits)?;
    let weighting = match (options.weighting, &options.corpus) {
        (Some(Weighting::Corpus), None) => {
            return Err(bad("weighting", "corpus weighting needs a corpus".into()))
        }
        (Some(w), _) => w,
        (None, Some(_)) => Weighting::Corpus,
        (None, None) => Weighting::Zipf,
    };
    let mut rows = match from {
        TableFrom::TokenEmbd => token_embd_rows(&g, n_vocab, input)?,
        _ => through_transformer(input, &keep, options, &mut progress)?,
    };
    check_dimensions(dims, Some(rows[0].len()), options.bits)?;
    let (weights, corpus_texts, fit) = match &options.corpus {
        Some(corpus) => {
            let teaching = Teaching {
                input,
                corpus,
                keep: &keep,
                weighting,
                fit: options.fit,
                options,
            };
            let learned = learn(&teaching, &mut rows, &mut progress)?;
            (learned.weights, learned.texts, learned.fit)
        }
        None => (zipf_weights(n_vocab), 0, None),
    };
    let pca = Pca::fit(&rows, &keep, dims);
    let mut table = Vec::with_capacity(n_vocab * dims / if options.bits == 4 { 2 } else { 1 });
    let mut scales = Vec::with_capacity(n_vocab * 4);
    for (i, row) in rows.iter().enumerate() {
        let v: Vec<f32> = if keep[i] {
            pca.project(row)
                .into_iter()
                .map(|x| x * weights[i])
                .collect()
        } else {
            vec![0.0; dims]
        };
        let (q, scale) = quantize_row(&v, options.bits);
        table.extend(q);
        scales.extend(scale.to_le_bytes());
    }
    let table_bytes = (table.len() + scales.len()) as u64;
    options.check_cancel()?;
    let table = Table {
        bits: options.bits,
        from,
        dims,
        table,
        scales,
        pretokenize: options.pretokenize,
        weighting,
        fitted_texts: fit.as_ref().map(|_| corpus_texts),
    };
    let file_bytes = write(&g, &facts, output, table)?;
    Ok(DistillReport {
        vocab: n_vocab,
        embedded: keep.iter().filter(|&&k| k).count(),
        dimensions: dims,
        bits: options.bits,
        from: match from {
            TableFrom::TokenEmbd => "token-embd",
            _ => "transformer",
        },
        explained: pca.variances.iter().sum::<f64>() / pca.total_variance.max(f64::MIN_POSITIVE),
        table_bytes,
        file_bytes,
        pretokenize: options.pretokenize,
        weighting,
        corpus_texts,
        fit,
    })
}

/// Symmetric quantization with one scale per row: int8 in [-127, 127], or int4 in [-7, 7] packed
/// two to a byte (low nibble first).
pub fn quantize_row(v: &[f32], bits: u8) -> (Vec<u8>, f32) {
    let top = if bits == 4 { 7.0 } else { 127.0 };
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / top } else { 0.0 };
    let q = |x: f32| {
        if scale > 0.0 {
            (x / scale).round().clamp(-top, top) as i8
        } else {
            0
        }
    };
    let bytes = if bits == 4 {
        v.chunks(2)
            .map(|p| ((q(p[0]) as u8) & 0x0f) | (((q(p[1]) as u8) & 0x0f) << 4))
            .collect()
    } else {
        v.iter().map(|&x| q(x) as u8).collect()
    };
    (bytes, scale)
}

/// Each embeddable token on its own, between the special tokens the model adds around a text,
/// through the transformer; pooled as the model pools, not normalised (PCA comes next).
fn through_transformer(
    input: &Path,
    keep: &[bool],
    options: &DistillOptions,
    progress: &mut impl FnMut(Phase, usize, usize),
) -> Result<Vec<Vec<f32>>, EngineError> {
    let e = Embedder::load(
        input,
        &EmbedderOptions {
            normalize: Some(false),
            context_size: Some(16),
            threads: options.threads,
            ..Default::default()
        },
    )?;
    let with = e.tokenize("a")?;
    let (lead, tail) = specials_around(&with, &e.tokenize_plain("a"));
    let (before, after) = (with[..lead].to_vec(), with[with.len() - tail..].to_vec());
    let ids: Vec<usize> = (0..keep.len()).filter(|&i| keep[i]).collect();
    let mut rows = vec![Vec::new(); keep.len()];
    let request = EmbedRequest::default();
    for (done, chunk) in ids.chunks(CHUNK).enumerate() {
        let sequences: Vec<Vec<LlamaToken>> = chunk
            .iter()
            .map(|&i| {
                before
                    .iter()
                    .copied()
                    .chain([LlamaToken(i as i32)])
                    .chain(after.iter().copied())
                    .collect()
            })
            .collect();
        if let Err(aborted) = options.check_cancel() {
            e.dispose();
            return Err(aborted);
        }
        for (&i, v) in chunk.iter().zip(e.embed_tokens(sequences, &request)?) {
            rows[i] = v;
        }
        progress(
            Phase::Vocabulary,
            (done * CHUNK + chunk.len()).min(ids.len()),
            ids.len(),
        );
    }
    let d = e.info().dimensions;
    rows.iter_mut()
        .filter(|r| r.is_empty())
        .for_each(|r| *r = vec![0.0; d]);
    e.dispose();
    Ok(rows)
}

/// The model's `token_embd.weight` rows (F32 or F16 models).
fn token_embd_rows(g: &Gguf, n_vocab: usize, path: &Path) -> Result<Vec<Vec<f32>>, EngineError> {
    let t = g
        .tensor("token_embd.weight")
        .ok_or_else(|| unusable(path, "no token_embd.weight".into()))?;
    let d = t.dims[0] as usize;
    if t.dims[1] as usize != n_vocab {
        return Err(unusable(
            path,
            format!(
                "token_embd.weight has {} rows for {n_vocab} tokens",
                t.dims[1]
            ),
        ));
    }
    let data = g.tensor_data(&t);
    let value = |i: usize| -> f32 {
        match t.ggml_type {
            GgmlType::F32 => {
                f32::from_le_bytes(data[4 * i..4 * i + 4].try_into().unwrap_or([0; 4]))
            }
            _ => half::f16::from_le_bytes([data[2 * i], data[2 * i + 1]]).to_f32(),
        }
    };
    if !matches!(t.ggml_type, GgmlType::F32 | GgmlType::F16) {
        return Err(bad(
            "from",
            format!(
                "--from token-embd reads F32 or F16 tables; this model's is {}",
                t.ggml_type.name()
            ),
        ));
    }
    Ok((0..n_vocab)
        .map(|r| (0..d).map(|c| value(r * d + c)).collect())
        .collect())
}

/// The quantized rows and their scales, as written.
struct Table {
    bits: u8,
    from: TableFrom,
    dims: usize,
    table: Vec<u8>,
    scales: Vec<u8>,
    pretokenize: Pretokenize,
    weighting: Weighting,
    fitted_texts: Option<usize>,
}

/// The static GGUF: the source's architecture and hyper-parameters (llama.cpp loads the tokenizer
/// of a file only through its architecture), its tokenizer, our keys, and the two tensors.
fn write(g: &Gguf, facts: &ModelFacts, output: &Path, t: Table) -> Result<u64, EngineError> {
    let Table {
        bits,
        from,
        dims,
        table,
        scales,
        pretokenize,
        weighting,
        fitted_texts,
    } = t;
    let profile = choose(facts);
    let mut w = GgufWriter::new();
    let arch = facts.architecture.clone();
    let write_err = |e: gguf_embed_format::WriteError| EngineError::Convert(e.into());
    for kv in g.kvs() {
        let carried = kv.key == "general.architecture"
            || kv.key.starts_with("tokenizer.")
            || (kv.key.starts_with(&format!("{arch}.")) && !kv.key.contains("pooling_type"));
        if carried {
            w.add(kv.key, MetaValue::from_value(&kv.value))
                .map_err(write_err)?;
        }
    }
    w.add(
        "general.name",
        format!("{} (static, {dims}d int{bits})", facts.name),
    )
    .map_err(write_err)?;
    w.add(keys::DIMENSIONS, dims as u32).map_err(write_err)?;
    w.add(keys::BITS, bits as u32).map_err(write_err)?;
    w.add(keys::SOURCE, facts.name.as_str())
        .map_err(write_err)?;
    let from = match from {
        TableFrom::TokenEmbd => "token-embd",
        _ => "transformer",
    };
    w.add(keys::FROM, from).map_err(write_err)?;
    w.add(keys::QUERY_PREFIX, profile.query_prefix.as_str())
        .map_err(write_err)?;
    w.add(keys::DOCUMENT_PREFIX, profile.document_prefix.as_str())
        .map_err(write_err)?;
    w.add(pretokenize::KEY, pretokenize.name())
        .map_err(write_err)?;
    w.add(keys::WEIGHTING, weighting.name())
        .map_err(write_err)?;
    if let Some(n) = fitted_texts {
        w.add(keys::FITTED_TEXTS, n.min(u32::MAX as usize) as u32)
            .map_err(write_err)?;
    }
    let n_vocab = (scales.len() / 4) as u64;
    let row = if bits == 4 { dims / 2 } else { dims } as u64;
    w.add_tensor(
        keys::TABLE,
        &[row, n_vocab],
        GgmlType::I8,
        TensorData::Bytes(table),
    )
    .map_err(write_err)?;
    w.add_tensor(
        keys::SCALE,
        &[n_vocab],
        GgmlType::F32,
        TensorData::Bytes(scales),
    )
    .map_err(write_err)?;
    w.write_file(output).map_err(write_err)
}
