use std::path::PathBuf;

use gguf_embed_engine::convert::OnnxOptions;
use gguf_embed_engine::format::GgmlType;
use gguf_embed_engine::profile::Pooling as EnginePooling;
use gguf_embed_engine::EngineError;
use napi::Env;
use napi_derive::napi;

use crate::choices::{ConvertType, Pooling};
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

/// What an ONNX file does not carry (a checkpoint folder carries its own).
#[napi(object)]
#[derive(Default)]
pub struct ConvertSource {
    /// The model's tokenizer.json; found beside the model when not given.
    pub tokenizer: Option<String>,
    /// 'model': from a modules.json beside the tokenizer (sentence-transformers).
    pub pooling: Option<Pooling>,
    /// Stored as general.name (profiles and prefixes are chosen from it); the file name otherwise.
    pub name: Option<String>,
}

/// llama.cpp's `pooling_type` ids.
fn llama_pooling_id(p: EnginePooling) -> u32 {
    match p {
        EnginePooling::Mean => 1,
        EnginePooling::Cls => 2,
        EnginePooling::Last => 3,
    }
}

pub struct ConvertTask {
    pub input: PathBuf,
    pub output: PathBuf,
    pub out_type: ConvertType,
    pub source: ConvertSource,
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
        let s = &self.source;
        let onnx = OnnxOptions {
            tokenizer: s.tokenizer.as_ref().map(PathBuf::from),
            pooling: s
                .pooling
                .as_ref()
                .and_then(Pooling::engine)
                .map(llama_pooling_id),
            name: s.name.clone(),
        };
        let r = gguf_embed_engine::convert::convert_input(&self.input, &onnx, &self.output, ty)
            .map_err(EngineError::from)?;
        Ok(ConvertResult {
            output: r.output.display().to_string(),
            tensors: r.tensors as u32,
            bytes: r.bytes as f64,
            pooling: r
                .pooling
                .and_then(|id| EnginePooling::from_llama_id(id.into()))
                .map_or("none", EnginePooling::name)
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
