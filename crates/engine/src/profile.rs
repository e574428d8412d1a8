//! Model profiles: the pooling and prefixes a model was trained with, chosen from its GGUF
//! metadata. Getting these wrong is silent (the vectors just get worse), so they are explicit here,
//! covered by tests, and overridable.

use gguf_embed_format::Gguf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Mean,
    Cls,
    Last,
}

impl Pooling {
    pub fn name(self) -> &'static str {
        match self {
            Pooling::Mean => "mean",
            Pooling::Cls => "cls",
            Pooling::Last => "last",
        }
    }

    pub fn from_name(name: &str) -> Option<Pooling> {
        match name {
            "mean" => Some(Pooling::Mean),
            "cls" => Some(Pooling::Cls),
            "last" => Some(Pooling::Last),
            _ => None,
        }
    }

    /// From llama.cpp's `<arch>.pooling_type` id; `None` for none (0), rank (4) and unknown ids.
    pub fn from_llama_id(id: u64) -> Option<Pooling> {
        match id {
            1 => Some(Pooling::Mean),
            2 => Some(Pooling::Cls),
            3 => Some(Pooling::Last),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// A stable name for the family ("all-minilm", "bge", "nomic-embed-code", "generic-encoder", ...).
    pub name: &'static str,
    pub pooling: Pooling,
    pub query_prefix: String,
    pub document_prefix: String,
}

const CODE_QUERY: &str = "Represent this query for searching relevant code: ";

/// Facts the profile is chosen from.
#[derive(Debug, Clone, Default)]
pub struct ModelFacts {
    pub architecture: String,
    pub name: String,
    /// `<arch>.pooling_type` as stored, if any.
    pub pooling_id: Option<u64>,
    pub causal: bool,
    /// KV-cache bytes per token of context (F16 keys and values over all layers); 0 for encoders,
    /// which keep no cache.
    pub kv_bytes_per_token: u64,
    /// Tokens in the vocabulary (`tokenizer.ggml.tokens`).
    pub n_vocab: u64,
    /// `tokenizer.ggml.model`: "bert" (WordPiece), "gpt2" (BPE), "llama" (SentencePiece), "t5"...
    pub tokenizer: String,
}

impl ModelFacts {
    pub fn read<B: AsRef<[u8]>>(g: &Gguf<B>) -> ModelFacts {
        let architecture = g
            .get("general.architecture")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned();
        let name = g
            .get("general.name")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned();
        let pooling_id = g
            .get(&format!("{architecture}.pooling_type"))
            .and_then(|v| v.as_u64());
        let causal_key = g
            .get(&format!("{architecture}.attention.causal"))
            .and_then(|v| v.as_bool());
        let encoder = matches!(
            architecture.as_str(),
            "bert"
                | "nomic-bert"
                | "nomic-bert-moe"
                | "jina-bert-v2"
                | "modern-bert"
                | "neo-bert"
                | "t5encoder"
        );
        let causal = causal_key.unwrap_or(!encoder);
        let kv_bytes_per_token = if causal {
            kv_bytes_per_token(g, &architecture)
        } else {
            0
        };
        let n_vocab = g
            .get("tokenizer.ggml.tokens")
            .and_then(|v| v.as_array())
            .map_or(0, |a| a.len());
        let tokenizer = g
            .get("tokenizer.ggml.model")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned();
        ModelFacts {
            tokenizer,
            causal,
            kv_bytes_per_token,
            n_vocab,
            architecture,
            name,
            pooling_id,
        }
    }
}

/// Sum over layers of KV heads x (key + value length) x 2 bytes, as llama.cpp sizes an F16 cache.
fn kv_bytes_per_token<B: AsRef<[u8]>>(g: &Gguf<B>, arch: &str) -> u64 {
    let uint = |k: &str| g.get(&format!("{arch}.{k}")).and_then(|v| v.as_u64());
    let layers = uint("block_count").unwrap_or(0);
    let embd = uint("embedding_length").unwrap_or(0);
    // head counts may be one number or one per layer
    let per_layer = |k: &str| -> Vec<u64> {
        match g.get(&format!("{arch}.{k}")) {
            Some(v) => match v.as_array() {
                Some(a) => a.iter().map(|x| x.as_u64().unwrap_or(0)).collect(),
                None => vec![v.as_u64().unwrap_or(0); layers as usize],
            },
            None => Vec::new(),
        }
    };
    let heads = per_layer("attention.head_count");
    let mut kv_heads = per_layer("attention.head_count_kv");
    if kv_heads.is_empty() {
        kv_heads = heads.clone();
    }
    let head0 = heads.first().copied().filter(|&h| h > 0).unwrap_or(1);
    let k_len = uint("attention.key_length").unwrap_or(embd / head0);
    let v_len = uint("attention.value_length").unwrap_or(embd / head0);
    kv_heads
        .iter()
        .take(layers as usize)
        .map(|&h| h * (k_len + v_len) * 2)
        .sum()
}

/// Picks the profile from the model's metadata. Names are matched case-insensitively on
/// `general.name`; the pooling stored in the file wins over the family default when present.
pub fn choose(facts: &ModelFacts) -> Profile {
    let name = facts.name.to_lowercase();
    let stored = facts.pooling_id.and_then(Pooling::from_llama_id);
    let fallback = if facts.causal {
        Pooling::Last
    } else {
        Pooling::Mean
    };
    let (family, pooling, query, document): (&'static str, Pooling, &str, &str) = if name
        .contains("coderankembed")
    {
        ("coderankembed", Pooling::Cls, CODE_QUERY, "")
    } else if name.contains("nomic-embed-code") || name.contains("nomic embed code") {
        ("nomic-embed-code", Pooling::Last, CODE_QUERY, "")
    } else if name.contains("nomic-embed-text") || name.contains("nomic embed text") {
        (
            "nomic-embed-text",
            Pooling::Mean,
            "search_query: ",
            "search_document: ",
        )
    } else if name.contains("qwen3-embedding") || name.contains("qwen3 embedding") {
        (
                "qwen3-embedding",
                Pooling::Last,
                "Instruct: Given a code search query, retrieve relevant code snippets that answer the query\nQuery: ",
                "",
            )
    } else if name.contains("bge")
        && (name.contains("en") || name.contains("small") || name.contains("base"))
    {
        (
            "bge",
            Pooling::Cls,
            "Represent this sentence for searching relevant passages: ",
            "",
        )
    } else if name.contains("minilm") {
        ("all-minilm", Pooling::Mean, "", "")
    } else if facts.causal {
        ("generic-decoder", fallback, "", "")
    } else {
        ("generic-encoder", fallback, "", "")
    };
    Profile {
        name: family,
        pooling: stored.unwrap_or(pooling),
        query_prefix: query.to_owned(),
        document_prefix: document.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(arch: &str, name: &str, pooling: Option<u64>, causal: bool) -> ModelFacts {
        ModelFacts {
            architecture: arch.into(),
            name: name.into(),
            pooling_id: pooling,
            causal,
            kv_bytes_per_token: 0,
            n_vocab: 0,
            tokenizer: String::new(),
        }
    }

    #[test]
    fn code_models_get_their_own_prefixes_and_pooling() {
        let p = choose(&facts("qwen2", "nomic-embed-code", None, true));
        assert_eq!(
            (p.name, p.pooling, p.document_prefix.as_str()),
            ("nomic-embed-code", Pooling::Last, "")
        );
        assert_eq!(p.query_prefix, CODE_QUERY);
        let p = choose(&facts("nomic-bert", "CodeRankEmbed", Some(2), false));
        assert_eq!((p.name, p.pooling), ("coderankembed", Pooling::Cls));
        assert_eq!(p.query_prefix, CODE_QUERY);
        let p = choose(&facts("qwen3", "Qwen3-Embedding-0.6B", Some(3), true));
        assert_eq!((p.name, p.pooling), ("qwen3-embedding", Pooling::Last));
        assert!(p.query_prefix.starts_with("Instruct: "));
    }

    #[test]
    fn text_models_keep_theirs() {
        let p = choose(&facts("bert", "all-MiniLM-L6-v2", Some(1), false));
        assert_eq!(
            (p.name, p.pooling, p.query_prefix.as_str()),
            ("all-minilm", Pooling::Mean, "")
        );
        let p = choose(&facts("bert", "bge-small-en-v1.5", Some(2), false));
        assert_eq!((p.name, p.pooling), ("bge", Pooling::Cls));
        let p = choose(&facts(
            "nomic-bert",
            "nomic-embed-text-v1.5",
            Some(1),
            false,
        ));
        assert_eq!(
            (p.query_prefix.as_str(), p.document_prefix.as_str()),
            ("search_query: ", "search_document: ")
        );
    }

    #[test]
    fn unknown_models_fall_back_on_architecture_and_stored_pooling() {
        assert_eq!(
            choose(&facts("llama", "x", None, true)).pooling,
            Pooling::Last
        );
        assert_eq!(
            choose(&facts("bert", "x", None, false)).pooling,
            Pooling::Mean
        );
        assert_eq!(
            choose(&facts("bert", "x", Some(2), false)).pooling,
            Pooling::Cls
        );
        assert_eq!(
            choose(&facts("bert", "x", Some(9), false)).pooling,
            Pooling::Mean
        );
    }
}
