use std::path::PathBuf;

use gguf_embed_engine::format::Limits;
use napi::bindgen_prelude::*;

use crate::error::{catch_panic, to_napi};
use crate::info::{model_info, ModelInfo};
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

impl Task for InspectTask {
    type Output = ModelInfo;
    type JsValue = ModelInfo;

    fn compute(&mut self) -> Result<ModelInfo> {
        catch_panic(|| {
            let limits = match &self.options.limits {
                Some(l) => Limits::try_from(l)?,
                None => Limits::default(),
            };
            let with_tensors = self.options.tensors.unwrap_or(false);
            let info =
                gguf_embed_engine::inspect(&self.path, &limits, with_tensors).map_err(to_napi)?;
            Ok(model_info(info, with_tensors))
        })
    }

    fn resolve(&mut self, _env: Env, output: ModelInfo) -> Result<ModelInfo> {
        Ok(output)
    }
}
