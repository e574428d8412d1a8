//! Inference through llama.cpp: the backend and shared models, contexts, the request queue, the
//! inference thread that packs requests into batches, and how an Embedder ends.

pub mod backend;
pub(crate) mod contention;
pub(crate) mod context;
pub mod embedder;
pub mod fault;
pub(crate) mod lifecycle;
pub mod model;
pub mod plan;
pub(crate) mod queue;
pub(crate) mod reply;
pub mod request;
pub(crate) mod shared;
pub mod tokens;
pub(crate) mod worker;
