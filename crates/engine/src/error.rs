use gguf_embed_format::GgufError;

/// Every error the engine returns. The Node binding maps each variant to a stable code.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Gguf(#[from] GgufError),
}
