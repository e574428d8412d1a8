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
const BGE_QUERY: &str = "Represent this sentence for searching relevant passages: ";
const WEB_INSTRUCT: &str =
    "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ";

/// One row of the profile table: the family matches when every `all` word occurs in the
/// normalised `general.name` (lowercase, spaces and underscores as hyphens) as a whole
/// hyphen-separated part or run of parts. First match wins.
struct Row {
    all: &'static [&'static str],
    name: &'static str,
    pooling: Pooling,
    query: &'static str,
    document: &'static str,
}

const fn row(
    all: &'static [&'static str],
    name: &'static str,
    pooling: Pooling,
    query: &'static str,
    document: &'static str,
) -> Row {
    Row {
        all,
        name,
        pooling,
        query,
        document,
    }
}

/// What each model card says (pooling from its sentence-transformers config, prefixes from its
/// usage section). README's Models table lists the same rows.
const TABLE: &[Row] = &[
    row(&["coderankembed"], "coderankembed", Pooling::Cls, CODE_QUERY, ""),
    row(&["nomic-embed-code"], "nomic-embed-code", Pooling::Last, CODE_QUERY, ""),
    row(
        &["nomic-embed-text"],
        "nomic-embed-text",
        Pooling::Mean,
        "search_query: ",
        "search_document: ",
    ),
    row(
        &["qwen3-embedding"],
        "qwen3-embedding",
        Pooling::Last,
        "Instruct: Given a code search query, retrieve relevant code snippets that answer the query\nQuery: ",
        "",
    ),
    row(
        &["embeddinggemma"],
        "embeddinggemma",
        Pooling::Mean,
        "task: search result | query: ",
        "title: none | text: ",
    ),
    row(&["e5-mistral"], "e5-mistral", Pooling::Last, WEB_INSTRUCT, ""),
    row(&["e5", "instruct"], "e5-instruct", Pooling::Mean, WEB_INSTRUCT, ""),
    row(&["gte-qwen2"], "gte-qwen2", Pooling::Last, WEB_INSTRUCT, ""),
    row(
        &["llama-embed-nemotron"],
        "llama-embed-nemotron",
        Pooling::Mean,
        "Instruct: Given a question, retrieve passages that answer the question\nQuery: ",
        "",
    ),
    row(&["e5"], "e5", Pooling::Mean, "query: ", "passage: "),
    row(&["bge-m3"], "bge-m3", Pooling::Cls, "", ""),
    row(
        &["snowflake-arctic-embed", "v2.0"],
        "arctic-embed-v2",
        Pooling::Cls,
        "query: ",
        "",
    ),
    row(&["snowflake-arctic-embed"], "arctic-embed", Pooling::Cls, BGE_QUERY, ""),
    row(&["mxbai-embed"], "mxbai-embed", Pooling::Cls, BGE_QUERY, ""),
    row(&["bge", "en"], "bge", Pooling::Cls, BGE_QUERY, ""),
    row(&["bge", "small"], "bge", Pooling::Cls, BGE_QUERY, ""),
    row(&["bge", "base"], "bge", Pooling::Cls, BGE_QUERY, ""),
    row(&["bge", "large"], "bge", Pooling::Cls, BGE_QUERY, ""),
    row(
        &["jina-embeddings-v3"],
        "jina-embeddings-v3",
        Pooling::Mean,
        "Represent the query for retrieving evidence documents: ",
        "Represent the document for retrieval: ",
    ),
    row(&["jina-embeddings-v2"], "jina-embeddings-v2", Pooling::Mean, "", ""),
    row(&["granite-embedding"], "granite-embedding", Pooling::Cls, "", ""),
    row(&["gte-modernbert"], "gte-modernbert", Pooling::Cls, "", ""),
    row(&["gte"], "gte", Pooling::Mean, "", ""),
    row(&["minilm"], "all-minilm", Pooling::Mean, "", ""),
];

/// `general.name` as converters write it varies ("Qwen3-Embedding-0.6B", "Qwen3 Embedding 0.6B"):
/// lowercase, with spaces and underscores as hyphens.
fn normalise(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '_' { '-' } else { c })
        .collect()
}

/// Whether `word` (itself hyphenated or not) is a run of whole hyphen-separated parts of `name`.
fn has_word(name: &str, word: &str) -> bool {
    name.match_indices(word).any(|(i, _)| {
        let before = name[..i].chars().next_back();
        let after = name[i + word.len()..].chars().next();
        before.is_none_or(|c| c == '-' || c == '/')
            && after.is_none_or(|c| c == '-' || c == '.' && word.starts_with('v'))
    })
}

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
        // llama.cpp runs these without a KV cache, attending both ways (gemma-embedding too,
        // though its GGUFs carry no causal key).
        let encoder = crate::architectures::is_encoder(&architecture);
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
    let name = normalise(&facts.name);
    let stored = facts.pooling_id.and_then(Pooling::from_llama_id);
    let fallback = if facts.causal {
        Pooling::Last
    } else {
        Pooling::Mean
    };
    let row = TABLE
        .iter()
        .find(|r| r.all.iter().all(|w| has_word(&name, w)));
    let (family, pooling, query, document) = match row {
        Some(r) => (r.name, r.pooling, r.query, r.document),
        None if facts.causal => ("generic-decoder", fallback, "", ""),
        None => ("generic-encoder", fallback, "", ""),
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
    fn hub_names_select_their_family() {
        for (arch, name, causal, family, pooling, query) in [
            ("bert", "bge-m3", false, "bge-m3", Pooling::Cls, ""),
            ("bert", "Bge M3", false, "bge-m3", Pooling::Cls, ""),
            ("bert", "multilingual-e5-small", false, "e5", Pooling::Mean, "query: "),
            ("bert", "Multilingual E5 Base", false, "e5", Pooling::Mean, "query: "),
            ("bert", "e5-small-v2", false, "e5", Pooling::Mean, "query: "),
            ("bert", "multilingual-e5-large-instruct", false, "e5-instruct", Pooling::Mean, WEB_INSTRUCT),
            ("llama", "e5-mistral-7b-instruct", true, "e5-mistral", Pooling::Last, WEB_INSTRUCT),
            ("qwen2", "gte-Qwen2-7B-instruct", true, "gte-qwen2", Pooling::Last, WEB_INSTRUCT),
            ("bert", "gte-small", false, "gte", Pooling::Mean, ""),
            ("bert", "mxbai-embed-large-v1", false, "mxbai-embed", Pooling::Cls, BGE_QUERY),
            ("bert", "snowflake-arctic-embed-m-v1.5", false, "arctic-embed", Pooling::Cls, BGE_QUERY),
            ("bert", "snowflake-arctic-embed-l-v2.0", false, "arctic-embed-v2", Pooling::Cls, "query: "),
            ("bert", "bge-large-en-v1.5", false, "bge", Pooling::Cls, BGE_QUERY),
            ("jina-bert-v2", "jina-embeddings-v2-base-code", false, "jina-embeddings-v2", Pooling::Mean, ""),
            ("jina-bert-v2", "Jina Embeddings V2 Base En", false, "jina-embeddings-v2", Pooling::Mean, ""),
            ("nomic-bert-moe", "Nomic Embed Text V2 Moe", false, "nomic-embed-text", Pooling::Mean, "search_query: "),
            ("gemma-embedding", "Embeddinggemma 300m", false, "embeddinggemma", Pooling::Mean, "task: search result | query: "),
            ("qwen3", "Qwen3 Embedding 8B", true, "qwen3-embedding", Pooling::Last, "Instruct: Given a code search query, retrieve relevant code snippets that answer the query\nQuery: "),
            ("modern-bert", "granite-embedding-english-r2", false, "granite-embedding", Pooling::Cls, ""),
            ("bert", "Granite Embedding 278m Multilingual", false, "granite-embedding", Pooling::Cls, ""),
            ("modern-bert", "gte-modernbert-base", false, "gte-modernbert", Pooling::Cls, ""),
            ("llama-embed", "llama-embed-nemotron-8b", true, "llama-embed-nemotron", Pooling::Mean, "Instruct: Given a question, retrieve passages that answer the question\nQuery: "),
            ("bert", "paraphrase-multilingual-MiniLM-L12-v2", false, "all-minilm", Pooling::Mean, ""),
            // Words only as whole parts: "green" holds "e5"-like noise but no family.
            ("bert", "greene5x", false, "generic-encoder", Pooling::Mean, ""),
        ] {
            let p = choose(&facts(arch, name, None, causal));
            assert_eq!(
                (p.name, p.pooling, p.query_prefix.as_str()),
                (family, pooling, query),
                "{name}"
            );
        }
        let p = choose(&facts(
            "gemma-embedding",
            "embeddinggemma-300m",
            Some(1),
            false,
        ));
        assert_eq!(p.document_prefix, "title: none | text: ");
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
