//! The API's closed sets as string enums. The generated .d.ts carries each as a union of its values
//! (`napi build --no-const-enum`), so the TypeScript facade takes its types from here; napi checks a
//! value against the set when it crosses into Rust.

use gguf_embed_engine::embedder::{Kind as EngineKind, Truncate as EngineTruncate};
use gguf_embed_engine::profile::Pooling as EnginePooling;
use gguf_embed_engine::static_tier::distill::TableFrom;
use napi_derive::napi;

/// How token vectors become one vector: 'model' takes the GGUF metadata and the model profile.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    #[napi(value = "model")]
    Model,
    #[napi(value = "mean")]
    Mean,
    #[napi(value = "cls")]
    Cls,
    #[napi(value = "last")]
    Last,
}

impl Pooling {
    /// `None` for 'model': no override.
    pub fn engine(&self) -> Option<EnginePooling> {
        match self {
            Pooling::Model => None,
            Pooling::Mean => Some(EnginePooling::Mean),
            Pooling::Cls => Some(EnginePooling::Cls),
            Pooling::Last => Some(EnginePooling::Last),
        }
    }
}

/// What an over-long input gets: 'end' cuts it, 'error' rejects it with INPUT_TOO_LONG.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncate {
    #[napi(value = "end")]
    End,
    #[napi(value = "error")]
    Error,
}

impl From<&Truncate> for EngineTruncate {
    fn from(t: &Truncate) -> Self {
        match t {
            Truncate::End => EngineTruncate::End,
            Truncate::Error => EngineTruncate::Error,
        }
    }
}

/// Which prefix of the model profile an input takes.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    #[napi(value = "query")]
    Query,
    #[napi(value = "document")]
    Document,
}

impl From<&Kind> for EngineKind {
    fn from(k: &Kind) -> Self {
        match k {
            Kind::Query => EngineKind::Query,
            Kind::Document => EngineKind::Document,
        }
    }
}

/// Where distill takes the table's rows from.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableSource {
    #[napi(value = "auto")]
    Auto,
    #[napi(value = "token-embd")]
    TokenEmbd,
    #[napi(value = "transformer")]
    Transformer,
}

impl From<&TableSource> for TableFrom {
    fn from(s: &TableSource) -> Self {
        match s {
            TableSource::Auto => TableFrom::Auto,
            TableSource::TokenEmbd => TableFrom::TokenEmbd,
            TableSource::Transformer => TableFrom::Transformer,
        }
    }
}

/// What distill does to text before the tokenizer (recorded in the table).
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PretokenizeRule {
    #[napi(value = "none")]
    None,
    #[napi(value = "identifiers")]
    Identifiers,
}

/// How distill weights tokens in a text's mean.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenWeighting {
    #[napi(value = "zipf")]
    Zipf,
    #[napi(value = "corpus")]
    Corpus,
}

/// The types convert writes.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertType {
    #[napi(value = "f32")]
    F32,
    #[napi(value = "f16")]
    F16,
    #[napi(value = "q8_0")]
    Q8_0,
}

/// The types llama.cpp's quantizer writes, by the names its quantize tool takes.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantizeType {
    #[napi(value = "f32")]
    F32,
    #[napi(value = "f16")]
    F16,
    #[napi(value = "q4_0")]
    Q4_0,
    #[napi(value = "q4_1")]
    Q4_1,
    #[napi(value = "q8_0")]
    Q8_0,
    #[napi(value = "q5_0")]
    Q5_0,
    #[napi(value = "q5_1")]
    Q5_1,
    #[napi(value = "q2_k")]
    Q2K,
    #[napi(value = "q3_k_s")]
    Q3KS,
    #[napi(value = "q3_k_m")]
    Q3KM,
    #[napi(value = "q3_k_l")]
    Q3KL,
    #[napi(value = "q4_k_s")]
    Q4KS,
    #[napi(value = "q4_k_m")]
    Q4KM,
    #[napi(value = "q5_k_s")]
    Q5KS,
    #[napi(value = "q5_k_m")]
    Q5KM,
    #[napi(value = "q6_k")]
    Q6K,
}

impl QuantizeType {
    /// The name the engine's quantizer looks up.
    pub fn name(&self) -> &'static str {
        match self {
            QuantizeType::F32 => "f32",
            QuantizeType::F16 => "f16",
            QuantizeType::Q4_0 => "q4_0",
            QuantizeType::Q4_1 => "q4_1",
            QuantizeType::Q8_0 => "q8_0",
            QuantizeType::Q5_0 => "q5_0",
            QuantizeType::Q5_1 => "q5_1",
            QuantizeType::Q2K => "q2_k",
            QuantizeType::Q3KS => "q3_k_s",
            QuantizeType::Q3KM => "q3_k_m",
            QuantizeType::Q3KL => "q3_k_l",
            QuantizeType::Q4KS => "q4_k_s",
            QuantizeType::Q4KM => "q4_k_m",
            QuantizeType::Q5KS => "q5_k_s",
            QuantizeType::Q5KM => "q5_k_m",
            QuantizeType::Q6K => "q6_k",
        }
    }
}
