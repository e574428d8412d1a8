//! Opens a GGUF model for embedding: our bounded reader validates the file and reads the facts the
//! profile needs, then llama.cpp maps it (weights stay in the page cache, never on a heap).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

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
    let llama = shared_model(path, path_str)?;
    let n_embd = usize::try_from(llama.n_embd_out())
        .ok()
        .filter(|&n| n > 0)
        .unwrap_or(llama.n_embd().max(0) as usize);
    let n_ctx_train = llama.n_ctx_train() as usize;
    Ok(LoadedModel {
        path: path.to_path_buf(),
        llama,
        facts,
        file_size,
        n_embd,
        n_ctx_train,
    })
}

/// Which file a model was loaded from: a file replaced by rename (or rewritten) is another file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileKey {
    dev: u64,
    ino: u64,
    len: u64,
    modified_ns: i128,
}

impl FileKey {
    fn of(path: &Path) -> Option<FileKey> {
        let m = std::fs::metadata(path).ok()?;
        let modified_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::fs::canonicalize(path).ok()?.hash(&mut h);
            (0, h.finish())
        };
        Some(FileKey {
            dev,
            ino,
            len: m.len(),
            modified_ns,
        })
    }
}

/// Models alive in this process, by file: a second Embedder (or worker thread) on the same file
/// shares the first one's llama.cpp model and its one mapping of the weights.
static MODELS: Mutex<Vec<(FileKey, Weak<LlamaModel>)>> = Mutex::new(Vec::new());

fn shared_model(path: &Path, path_str: &str) -> Result<Arc<LlamaModel>, EngineError> {
    let key = FileKey::of(path);
    // Held across the load, so two callers of the same file do not both map it.
    let mut models = MODELS.lock().unwrap_or_else(|p| p.into_inner());
    models.retain(|(_, m)| m.strong_count() > 0);
    if let Some(key) = key {
        if let Some(model) = models
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, m)| m.upgrade())
        {
            return Ok(model);
        }
    }
    let params = LlamaModelParams::default().with_use_mmap(true);
    let model = LlamaModel::load_from_file(backend()?, path_str, &params).map_err(|e| {
        EngineError::ModelLoad {
            path: path.to_path_buf(),
            reason: format!("llama.cpp could not load it ({e})"),
        }
    })?;
    let model = Arc::new(model);
    if let Some(key) = key {
        models.push((key, Arc::downgrade(&model)));
    }
    Ok(model)
}

/// Models this process holds (each mapped once).
pub fn live_models() -> usize {
    let models = MODELS.lock().unwrap_or_else(|p| p.into_inner());
    models.iter().filter(|(_, m)| m.strong_count() > 0).count()
}

/// The model's metadata and tensor shapes with no weights loaded and no memory allocated: contexts
/// created on it only simulate their allocations, which is how sizes are probed against a budget.
pub(crate) fn load_probe(path: &Path) -> Result<LlamaModel, EngineError> {
    let path_str = path.to_str().unwrap_or_default();
    let params = LlamaModelParams::default().with_no_alloc(true);
    LlamaModel::load_from_file(backend()?, path_str, &params).map_err(|e| EngineError::ModelLoad {
        path: path.to_path_buf(),
        reason: format!("llama.cpp could not read it to size a context ({e})"),
    })
}
