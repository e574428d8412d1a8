//! Opens a GGUF model for embedding: our bounded reader validates the file and reads the facts the
//! profile needs, then llama.cpp maps it (weights stay in the page cache, never on a heap).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gguf_embed_format::{Gguf, Limits};
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;

use crate::backend::backend;
use crate::preflight::preflight;
use crate::profile::ModelFacts;
use crate::EngineError;

pub struct LoadedModel {
    pub path: PathBuf,
    pub llama: Arc<LlamaModel>,
    pub facts: ModelFacts,
    pub file_size: u64,
    pub n_embd: usize,
    pub n_ctx_train: usize,
}

pub fn load(path: &Path) -> Result<LoadedModel, EngineError> {
    // Our reader first: a hostile or truncated file stops here with a typed error, before llama.cpp
    // (whose loader asserts) ever sees it. It also makes sure the path exists, which
    // `LlamaModel::load_from_file` only debug-asserts.
    let gguf = Gguf::open(path, &Limits::default())?;
    if gguf.tensor_count() == 0 {
        return Err(EngineError::ModelLoad {
            path: path.to_path_buf(),
            reason: "the file holds no tensors (a vocab-only GGUF cannot embed)".into(),
        });
    }
    preflight(&gguf).map_err(|source| EngineError::Preflight {
        path: path.to_path_buf(),
        source,
    })?;
    let facts = ModelFacts::read(&gguf);
    let file_size = gguf.file_len();
    drop(gguf);
    let path_str = path.to_str().ok_or_else(|| EngineError::ModelLoad {
        path: path.to_path_buf(),
        reason: "the path is not valid UTF-8, which llama.cpp requires".into(),
    })?;
    let params = LlamaModelParams::default().with_use_mmap(true);
    let llama = LlamaModel::load_from_file(backend()?, path_str, &params).map_err(|e| {
        EngineError::ModelLoad {
            path: path.to_path_buf(),
            reason: format!("llama.cpp could not load it ({e})"),
        }
    })?;
    let n_embd = usize::try_from(llama.n_embd_out())
        .ok()
        .filter(|&n| n > 0)
        .unwrap_or(llama.n_embd().max(0) as usize);
    let n_ctx_train = llama.n_ctx_train() as usize;
    Ok(LoadedModel {
        path: path.to_path_buf(),
        llama: Arc::new(llama),
        facts,
        file_size,
        n_embd,
        n_ctx_train,
    })
}
