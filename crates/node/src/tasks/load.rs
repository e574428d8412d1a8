use std::path::PathBuf;
use std::sync::Arc;

use gguf_embed_engine::embedder::{Embedder, EmbedderOptions as EngineOptions};
use napi::bindgen_prelude::*;

use crate::embedder::NativeEmbedder;
use crate::error::{catch_panic, to_napi};
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

impl Task for LoadTask {
    type Output = Arc<Embedder>;
    type JsValue = NativeEmbedder;

    fn compute(&mut self) -> Result<Arc<Embedder>> {
        catch_panic(|| {
            let options = EngineOptions::try_from(&self.options)?;
            Embedder::load(&self.path, &options)
                .map(Arc::new)
                .map_err(to_napi)
        })
    }

    fn resolve(&mut self, env: Env, output: Arc<Embedder>) -> Result<NativeEmbedder> {
        crate::teardown::track(&env, &output)?;
        Ok(NativeEmbedder { inner: output })
    }
}
