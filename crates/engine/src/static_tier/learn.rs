//! What a static table learns from a corpus: token weights from the corpus's token counts (SIF),
//! and rows fitted so each text's weighted mean of rows predicts the teacher's vector of that
//! text (fit.rs). The teacher is the model being distilled, run through `Embedder` exactly as a
//! caller would run it (its own prefixes, pooling, truncation); the static side sees the same text
//! through the table's pre-tokenisation, as `StaticEmbedder` will.

use std::path::Path;

use crate::embedder::{EmbedRequest, Embedder, EmbedderOptions, Kind};
use crate::static_tier::corpus::{read_corpus, CorpusText};
use crate::static_tier::distill::{DistillOptions, Phase};
use crate::static_tier::embed::DEFAULT_MAX_TOKENS;
use crate::static_tier::fit::{fit_rows, Bags, FitOptions, FitReport};
use crate::EngineError;

/// SIF coefficient of model2vec's Zipf prior over the vocabulary order.
pub const ZIPF_SIF: f64 = 1e-4;
/// Texts the teacher embeds per request.
const TEACHER_CHUNK: usize = 64;

/// How tokens are weighted in a text's mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// a / (a + p(rank)), p Zipf over the vocabulary order (no corpus needed).
    Zipf,
    /// a / (a + p(t)), p(t) the token's share of the corpus's tokens.
    Corpus,
}

impl Weighting {
    pub fn name(self) -> &'static str {
        match self {
            Weighting::Zipf => "zipf",
            Weighting::Corpus => "corpus",
        }
    }
}

/// model2vec's prior: early (frequent) vocabulary entries weigh less.
pub fn zipf_weights(n_vocab: usize) -> Vec<f32> {
    let harmonic: f64 = (0..n_vocab).map(|r| 1.0 / (r as f64 + 2.0)).sum();
    (0..n_vocab)
        .map(|i| (ZIPF_SIF / (ZIPF_SIF + 1.0 / ((i as f64 + 2.0) * harmonic))) as f32)
        .collect()
}

/// SIF weights from counts: a / (a + count / total); a token the corpus lacks weighs 1.
pub fn sif_weights(bags: &[Vec<u32>], n_vocab: usize, a: f64) -> Vec<f32> {
    let mut counts = vec![0u64; n_vocab];
    for &t in bags.iter().flatten() {
        counts[t as usize] += 1;
    }
    let total = counts.iter().sum::<u64>().max(1) as f64;
    counts
        .iter()
        .map(|&c| (a / (a + c as f64 / total)) as f32)
        .collect()
}

/// What the corpus changed, for the report.
#[derive(Debug, Clone)]
pub struct Learned {
    pub texts: usize,
    pub weights: Vec<f32>,
    pub fit: Option<FitReport>,
}

pub struct Teaching<'a> {
    pub input: &'a Path,
    pub corpus: &'a Path,
    pub keep: &'a [bool],
    pub weighting: Weighting,
    pub fit: bool,
    pub options: &'a DistillOptions,
}

/// Reads the corpus, weights the tokens and, if asked, fits `rows` (vocab rows of the teacher's
/// output width) to the teacher's vectors of the corpus's texts.
pub fn learn(
    t: &Teaching,
    rows: &mut [Vec<f32>],
    progress: &mut impl FnMut(Phase, usize, usize),
) -> Result<Learned, EngineError> {
    let texts = read_corpus(t.corpus)?;
    let teacher = Embedder::load(
        t.input,
        &EmbedderOptions {
            normalize: Some(true),
            threads: t.options.threads,
            ..Default::default()
        },
    )?;
    let result = learn_with(&teacher, &texts, t, rows, progress);
    teacher.dispose();
    result
}

fn learn_with(
    teacher: &Embedder,
    texts: &[CorpusText],
    t: &Teaching,
    rows: &mut [Vec<f32>],
    progress: &mut impl FnMut(Phase, usize, usize),
) -> Result<Learned, EngineError> {
    let n_vocab = rows.len();
    let info = teacher.info();
    let limit = DEFAULT_MAX_TOKENS.min(info.context_size);
    // The static side: the table's prefix, the pre-tokenised text, the embedder's token limit;
    // control tokens (no row) left out.
    let bags: Vec<Vec<u32>> = texts
        .iter()
        .map(|c| {
            let prefix = match c.kind {
                Kind::Query => &info.profile.query_prefix,
                Kind::Document => &info.profile.document_prefix,
            };
            let text = format!("{prefix}{}", t.options.pretokenize.apply(&c.text));
            Ok(teacher
                .tokenize(&text)?
                .into_iter()
                .take(limit)
                .map(|tok| tok.0 as u32)
                .filter(|&id| (id as usize) < n_vocab && t.keep[id as usize])
                .collect())
        })
        .collect::<Result<_, EngineError>>()?;
    let weights = match t.weighting {
        Weighting::Zipf => zipf_weights(n_vocab),
        Weighting::Corpus => sif_weights(&bags, n_vocab, t.options.sif),
    };
    if !t.fit {
        return Ok(Learned {
            texts: texts.len(),
            weights,
            fit: None,
        });
    }
    let d = rows.first().map_or(0, Vec::len);
    if info.dimensions != d {
        return Err(EngineError::invalid(
            "corpus",
            format!(
                "the model's vectors have {} dimensions and its token rows {d}: the fit needs them equal",
                info.dimensions
            ),
        ));
    }
    let targets = teach(teacher, texts, t.options, progress)?;
    let prior: Vec<f32> = rows.iter().flatten().copied().collect();
    let fit_options = FitOptions {
        regularization: t.options.regularization,
        iterations: t.options.fit_iterations,
        threads: t.options.threads.unwrap_or_else(default_threads),
    };
    let bag_matrix = Bags::new(&bags, &weights);
    let cancel = t.options.cancel.as_deref();
    let (fitted, report) = fit_rows(
        &bag_matrix,
        &targets,
        &prior,
        d,
        &fit_options,
        cancel,
        |i, n| progress(Phase::Fit, i, n),
    )?;
    for (row, new) in rows.iter_mut().zip(fitted.chunks(d)) {
        row.copy_from_slice(new);
    }
    Ok(Learned {
        texts: texts.len(),
        weights,
        fit: Some(report),
    })
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The teacher's vector of every corpus text, in order (texts x dimensions).
fn teach(
    teacher: &Embedder,
    texts: &[CorpusText],
    options: &DistillOptions,
    progress: &mut impl FnMut(Phase, usize, usize),
) -> Result<Vec<f32>, EngineError> {
    let mut out = Vec::with_capacity(texts.len() * teacher.info().dimensions);
    let mut start = 0;
    while start < texts.len() {
        options.check_cancel()?;
        let kind = texts[start].kind;
        let end = (start..texts.len())
            .take(TEACHER_CHUNK)
            .take_while(|&i| texts[i].kind == kind)
            .last()
            .map_or(start + 1, |i| i + 1);
        let chunk: Vec<String> = texts[start..end].iter().map(|c| c.text.clone()).collect();
        let request = EmbedRequest {
            kind: Some(kind),
            first_index: start,
            ..Default::default()
        };
        for v in teacher.embed_batch(&chunk, &request, options.cancel.clone())? {
            out.extend(v);
        }
        start = end;
        progress(Phase::Corpus, start, texts.len());
    }
    Ok(out)
}
