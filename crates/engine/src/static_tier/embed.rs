//! `StaticEmbedder`: the static tier. Tokenises with llama.cpp's tokenizer (loaded alone, no
//! context), looks each token's row up in the mapped int8/int4 table, averages the rows, and
//! normalises. Memory: the mapped table (page cache) and the tokenizer; nothing per call but the
//! call's tokens and vectors.

use std::path::Path;
use std::sync::Arc;

use gguf_embed_format::{GgmlType, Gguf, Limits};
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;

use crate::backend::backend;
use crate::embedder::Kind;
use crate::preflight::preflight_vocab;
use crate::static_tier::distill::keys;
use crate::static_tier::pretokenize::{self, Pretokenize};
use crate::tokens::{prepare, Truncate};
use crate::EngineError;

/// Tokens of one input looked up at most (model2vec's default); the rest of a longer input is not
/// even tokenised.
pub const DEFAULT_MAX_TOKENS: usize = 512;

#[derive(Debug, Clone)]
pub struct StaticInfo {
    pub path: String,
    pub name: String,
    pub source: String,
    pub from: String,
    pub dimensions: usize,
    pub bits: u8,
    pub vocab: usize,
    pub query_prefix: String,
    pub document_prefix: String,
    /// Applied to every text before the tokenizer (the table was built with it).
    pub pretokenize: Pretokenize,
    pub max_tokens: usize,
    /// Bytes of the table and its scales (mapped).
    pub table_bytes: u64,
    pub file_size: u64,
}

pub struct StaticEmbedder {
    file: Gguf,
    table: (usize, usize),
    scales: (usize, usize),
    tokenizer: Arc<LlamaModel>,
    info: StaticInfo,
}

fn invalid(path: &Path, m: String) -> EngineError {
    EngineError::ModelLoad {
        path: path.to_path_buf(),
        reason: m,
    }
}

impl StaticEmbedder {
    pub fn load(path: &Path, max_tokens: Option<usize>) -> Result<StaticEmbedder, EngineError> {
        let file = Gguf::open(path, &Limits::default())?;
        let uint = |k: &str| file.get(k).and_then(|v| v.as_u64());
        let text = |k: &str| {
            file.get(k)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let (Some(dims), Some(bits)) = (uint(keys::DIMENSIONS), uint(keys::BITS)) else {
            return Err(invalid(
                path,
                format!(
                    "not a static table (no {} / {}): `gguf-embed distill` makes one",
                    keys::DIMENSIONS,
                    keys::BITS
                ),
            ));
        };
        let vocab = file
            .get("tokenizer.ggml.tokens")
            .and_then(|v| v.as_array())
            .map_or(0, |a| a.len() as usize);
        let (dims, bits) = (dims as usize, bits as u8);
        if !(bits == 8 || bits == 4 && dims % 2 == 0) || dims == 0 || vocab == 0 {
            return Err(invalid(
                path,
                format!("{dims} dimensions of {bits} bits over {vocab} tokens is not a table"),
            ));
        }
        let pretokenize = Pretokenize::from_name(&text(pretokenize::KEY)).ok_or_else(|| {
            invalid(
                path,
                format!(
                    "{} is {:?}, which this version does not know (a newer gguf-embed made the table?)",
                    pretokenize::KEY,
                    text(pretokenize::KEY)
                ),
            )
        })?;
        let row = if bits == 4 { dims / 2 } else { dims };
        let tensor =
            |name: &str, ty: GgmlType, shape: &[u64]| -> Result<(usize, usize), EngineError> {
                let t = file
                    .tensor(name)
                    .ok_or_else(|| invalid(path, format!("tensor {name} is missing")))?;
                if t.ggml_type != ty || t.shape() != shape {
                    return Err(invalid(
                        path,
                        format!(
                            "tensor {name} is {} {:?}, expected {} {shape:?}",
                            t.ggml_type.name(),
                            t.shape(),
                            ty.name()
                        ),
                    ));
                }
                Ok((t.file_offset as usize, t.n_bytes as usize))
            };
        let table = tensor(keys::TABLE, GgmlType::I8, &[row as u64, vocab as u64])?;
        let scales = tensor(keys::SCALE, GgmlType::F32, &[vocab as u64])?;
        // llama.cpp reads the tokenizer (and the hyper-parameters) of a vocab-only load: checked first.
        preflight_vocab(&file).map_err(|source| EngineError::Preflight {
            path: path.to_path_buf(),
            source,
        })?;
        let path_str = path
            .to_str()
            .ok_or_else(|| invalid(path, "the path is not valid UTF-8".into()))?;
        let params = LlamaModelParams::default().with_vocab_only(true);
        let tokenizer = LlamaModel::load_from_file(backend()?, path_str, &params).map_err(|e| {
            invalid(
                path,
                format!("llama.cpp could not load its tokenizer ({e})"),
            )
        })?;
        let info = StaticInfo {
            path: path.display().to_string(),
            name: text("general.name"),
            source: text(keys::SOURCE),
            from: text(keys::FROM),
            dimensions: dims,
            bits,
            vocab,
            query_prefix: text(keys::QUERY_PREFIX),
            document_prefix: text(keys::DOCUMENT_PREFIX),
            pretokenize,
            max_tokens: max_tokens.unwrap_or(DEFAULT_MAX_TOKENS).max(1),
            table_bytes: (table.1 + scales.1) as u64,
            file_size: file.file_len(),
        };
        Ok(StaticEmbedder {
            file,
            table,
            scales,
            tokenizer: Arc::new(tokenizer),
            info,
        })
    }

    pub fn info(&self) -> &StaticInfo {
        &self.info
    }

    fn scale(&self, token: usize) -> f32 {
        let at = self.scales.0 + 4 * token;
        f32::from_le_bytes(self.file.bytes()[at..at + 4].try_into().unwrap_or([0; 4]))
    }

    /// Adds token `t`'s row to `sum`; false for a token without one (control tokens, a zero row).
    fn add_row(&self, t: usize, sum: &mut [f32]) -> bool {
        if t >= self.info.vocab {
            return false;
        }
        let scale = self.scale(t);
        if scale == 0.0 {
            return false;
        }
        let dims = self.info.dimensions;
        let bytes = self.file.bytes();
        if self.info.bits == 8 {
            let row = &bytes[self.table.0 + t * dims..][..dims];
            sum.iter_mut()
                .zip(row)
                .for_each(|(s, &q)| *s += (q as i8) as f32 * scale);
        } else {
            let row = &bytes[self.table.0 + t * dims / 2..][..dims / 2];
            for (k, &b) in row.iter().enumerate() {
                sum[2 * k] += (((b << 4) as i8) >> 4) as f32 * scale;
                sum[2 * k + 1] += ((b as i8) >> 4) as f32 * scale;
            }
        }
        true
    }

    /// One vector per text: the mean of its tokens' rows, L2-normalised (all zeros when no token
    /// has a row). `dimensions` keeps the first N (the table's are PCA components, by variance).
    pub fn embed(
        &self,
        texts: &[String],
        kind: Option<Kind>,
        dimensions: Option<usize>,
    ) -> Result<Vec<Vec<f32>>, EngineError> {
        let dims = self.info.dimensions;
        let keep = match dimensions {
            None => dims,
            Some(d) if d >= 1 && d <= dims => d,
            Some(d) => {
                return Err(EngineError::invalid(
                    "dimensions",
                    format!("dimensions must be between 1 and the table's {dims}, got {d}"),
                ))
            }
        };
        let prefix = match kind.unwrap_or(Kind::Document) {
            Kind::Query => &self.info.query_prefix,
            Kind::Document => &self.info.document_prefix,
        };
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let text = self.info.pretokenize.apply(text);
                let tokens = prepare(
                    &self.tokenizer,
                    i,
                    prefix,
                    &text,
                    self.info.max_tokens,
                    Truncate::End,
                )?;
                let mut sum = vec![0f32; dims];
                let n = tokens
                    .iter()
                    .filter(|t| self.add_row(t.0.max(0) as usize, &mut sum))
                    .count();
                sum.truncate(keep);
                let norm = sum.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
                if n > 0 && norm > 0.0 {
                    let inv = (1.0 / norm) as f32;
                    sum.iter_mut().for_each(|x| *x *= inv);
                }
                Ok(sum)
            })
            .collect()
    }

    /// Token ids of the text as the table sees it (pre-tokenised, special tokens added).
    pub fn tokenize(&self, text: &str) -> Vec<i32> {
        let text = self.info.pretokenize.apply(text);
        self.tokenizer
            .vocab()
            .tokenize(text.as_bytes(), true, false)
            .into_iter()
            .map(|t| t.0)
            .collect()
    }
}
