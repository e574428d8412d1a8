use std::path::PathBuf;

use gguf_embed_engine::format::GgmlType;
use gguf_embed_engine::profile::Pooling;
use gguf_embed_engine::EngineError;
use napi::Env;
use napi_derive::napi;

use crate::choices::ConvertType;
use crate::error::Failure;
use crate::job::Work;

#[napi(object)]
pub struct ConvertResult {
    pub output: String,
    pub tensors: u32,
    pub bytes: f64,
    /// none | mean | cls | last, from the checkpoint's pooling module.
    pub pooling: String,
}

pub struct ConvertTask {
    pub dir: PathBuf,
    pub output: PathBuf,
    pub out_type: ConvertType,
}

impl Work for ConvertTask {
    type Output = ConvertResult;
    type JsValue = ConvertResult;

    fn run(&mut self) -> Result<ConvertResult, Failure> {
        let ty = match self.out_type {
            ConvertType::F32 => GgmlType::F32,
            ConvertType::F16 => GgmlType::F16,
            ConvertType::Q8_0 => GgmlType::Q8_0,
        };
        let r = gguf_embed_engine::convert::convert(&self.dir, &self.output, ty)
            .map_err(EngineError::from)?;
        Ok(ConvertResult {
            output: r.output.display().to_string(),
            tensors: r.tensors as u32,
            bytes: r.bytes as f64,
            pooling: r
                .pooling
                .and_then(|id| Pooling::from_llama_id(id.into()))
                .map_or("none", Pooling::name)
                .into(),
        })
    }

    fn to_js(&mut self, _env: Env, output: ConvertResult) -> napi::Result<ConvertResult> {
        Ok(output)
    }
}

pub struct QuantizeTask {
    pub input: PathBuf,
    pub output: PathBuf,
    pub ftype: String,
    pub threads: Option<u32>,
}

impl Work for QuantizeTask {
    type Output = ();
    type JsValue = ();

    fn run(&mut self) -> Result<(), Failure> {
        gguf_embed_engine::quantize::quantize(
            &self.input,
            &self.output,
            &self.ftype,
            self.threads.map(|t| t as usize),
        )?;
        Ok(())
    }

    fn to_js(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}
