use std::path::PathBuf;

use gguf_embed_engine::format::Limits;
use napi::Env;

use crate::error::Failure;
use crate::info::{model_info, ModelInfo};
use crate::job::Work;
use crate::options::InspectOptions;

pub struct InspectTask {
    path: PathBuf,
    options: InspectOptions,
}

impl InspectTask {
    pub fn new(path: String, options: InspectOptions) -> Self {
        InspectTask {
            path: PathBuf::from(path),
            options,
        }
    }
}

impl Work for InspectTask {
    type Output = ModelInfo;
    type JsValue = ModelInfo;

    fn run(&mut self) -> Result<ModelInfo, Failure> {
        let limits = match &self.options.limits {
            Some(l) => Limits::try_from(l)?,
            None => Limits::default(),
        };
        let with_tensors = self.options.tensors.unwrap_or(false);
        let info = gguf_embed_engine::inspect(&self.path, &limits, with_tensors)?;
        Ok(model_info(info, with_tensors))
    }

    fn to_js(&mut self, _env: Env, output: ModelInfo) -> napi::Result<ModelInfo> {
        Ok(output)
    }
}
