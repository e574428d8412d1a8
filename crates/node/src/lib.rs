//! gguf-embed-node: napi-rs bindings. Maps engine types and errors to JS; holds no logic.
//! Every export runs its work on the libuv pool through a Task (one module per operation).

mod error;
mod info;
mod options;
mod tasks;

use napi::bindgen_prelude::{AbortSignal, AsyncTask};
use napi_derive::napi;

use crate::options::InspectOptions;
use crate::tasks::inspect::InspectTask;

/// Describes a GGUF file from its header, metadata and tensor infos, without loading weights.
/// Rejects with an error whose message starts with `[CODE kind @offset]` (decoded by index.ts).
#[napi(ts_return_type = "Promise<ModelInfo>")]
pub fn inspect(
    path: String,
    options: Option<InspectOptions>,
    signal: Option<AbortSignal>,
) -> AsyncTask<InspectTask> {
    AsyncTask::with_optional_signal(InspectTask::new(path, options.unwrap_or_default()), signal)
}
