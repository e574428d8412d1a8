use std::path::PathBuf;
use std::sync::Arc;

use gguf_embed_engine::embedder::{Embedder, EmbedderOptions as EngineOptions};
use napi::Env;

use crate::embedder::NativeEmbedder;
use crate::error::Failure;
use crate::job::Work;
use crate::options::EmbedderOptions;

pub struct LoadTask {
    path: PathBuf,
    options: EmbedderOptions,
}

impl LoadTask {
    pub fn new(path: String, options: EmbedderOptions) -> Self {
        LoadTask {
            path: PathBuf::from(path),
            options,
        }
    }
}

impl Work for LoadTask {
    type Output = Arc<Embedder>;
    type JsValue = NativeEmbedder;

    fn run(&mut self) -> Result<Arc<Embedder>, Failure> {
        let options = EngineOptions::try_from(&self.options)?;
        Ok(Arc::new(Embedder::load(&self.path, &options)?))
    }

    fn to_js(&mut self, env: Env, output: Arc<Embedder>) -> napi::Result<NativeEmbedder> {
        crate::teardown::track(&env, &output)?;
        Ok(NativeEmbedder { inner: output })
    }
}
