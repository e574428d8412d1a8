use std::sync::Arc;

use gguf_embed_engine::embedder::Embedder;
use gguf_embed_engine::EngineError;
use napi::bindgen_prelude::Int32Array;
use napi::Env;

use crate::error::Failure;
use crate::job::Work;

pub struct CountTask {
    embedder: Arc<Embedder>,
    text: String,
}

impl CountTask {
    pub fn new(embedder: Arc<Embedder>, text: String) -> Self {
        CountTask { embedder, text }
    }
}

impl Work for CountTask {
    type Output = u32;
    type JsValue = u32;

    fn run(&mut self) -> Result<u32, Failure> {
        if self.embedder.is_disposed() {
            return Err(EngineError::Disposed.into());
        }
        Ok(self.embedder.count_tokens(&self.text)? as u32)
    }

    fn to_js(&mut self, _env: Env, output: u32) -> napi::Result<u32> {
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

impl Work for TokenizeTask {
    type Output = Vec<i32>;
    type JsValue = Int32Array;

    fn run(&mut self) -> Result<Vec<i32>, Failure> {
        if self.embedder.is_disposed() {
            return Err(EngineError::Disposed.into());
        }
        let tokens = self.embedder.tokenize(&self.text)?;
        Ok(tokens.into_iter().map(|t| t.0).collect())
    }

    fn to_js(&mut self, _env: Env, output: Vec<i32>) -> napi::Result<Int32Array> {
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

impl Work for DisposeTask {
    type Output = ();
    type JsValue = ();

    fn run(&mut self) -> Result<(), Failure> {
        self.embedder.dispose();
        Ok(())
    }

    fn to_js(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}
