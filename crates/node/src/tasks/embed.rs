use std::sync::Arc;

use gguf_embed_engine::embedder::Embedder;
use gguf_embed_engine::EngineError;
use napi::bindgen_prelude::*;

use crate::error::{catch_panic, to_napi};

pub struct CountTask {
    embedder: Arc<Embedder>,
    text: String,
}

impl CountTask {
    pub fn new(embedder: Arc<Embedder>, text: String) -> Self {
        CountTask { embedder, text }
    }
}

impl Task for CountTask {
    type Output = u32;
    type JsValue = u32;

    fn compute(&mut self) -> Result<u32> {
        catch_panic(|| {
            if self.embedder.is_disposed() {
                return Err(to_napi(EngineError::Disposed));
            }
            self.embedder
                .count_tokens(&self.text)
                .map(|n| n as u32)
                .map_err(to_napi)
        })
    }

    fn resolve(&mut self, _env: Env, output: u32) -> Result<u32> {
        Ok(output)
    }
}

pub struct TokenizeTask {
    embedder: Arc<Embedder>,
    text: String,
}

impl TokenizeTask {
    pub fn new(embedder: Arc<Embedder>, text: String) -> Self {
        TokenizeTask { embedder, text }
    }
}

impl Task for TokenizeTask {
    type Output = Vec<i32>;
    type JsValue = Int32Array;

    fn compute(&mut self) -> Result<Vec<i32>> {
        catch_panic(|| {
            if self.embedder.is_disposed() {
                return Err(to_napi(EngineError::Disposed));
            }
            self.embedder
                .tokenize(&self.text)
                .map(|tokens| tokens.into_iter().map(|t| t.0).collect())
                .map_err(to_napi)
        })
    }

    fn resolve(&mut self, _env: Env, output: Vec<i32>) -> Result<Int32Array> {
        Ok(Int32Array::new(output))
    }
}

pub struct DisposeTask {
    embedder: Arc<Embedder>,
}

impl DisposeTask {
    pub fn new(embedder: Arc<Embedder>) -> Self {
        DisposeTask { embedder }
    }
}

impl Task for DisposeTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        catch_panic(|| {
            self.embedder.dispose();
            Ok(())
        })
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }
}
