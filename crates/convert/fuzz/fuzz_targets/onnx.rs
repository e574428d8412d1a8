//! An ONNX file from any bytes, converted with a fixed valid tokenizer.json: `convert_onnx` returns
//! a typed error or a GGUF file, never a panic, an abort, or an allocation sized by a number the
//! bytes do not back (libFuzzer's -rss_limit_mb and -malloc_limit_mb catch those).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use gguf_embed_convert::{convert_onnx, parse_onnx, OnnxOptions};
use gguf_embed_format::GgmlType;
use libfuzzer_sys::fuzz_target;

const TOKENIZER: &str = r###"{"added_tokens": [{"id": 0, "content": "[PAD]", "special": true}, {"id": 1, "content": "[UNK]", "special": true}, {"id": 2, "content": "[CLS]", "special": true}, {"id": 3, "content": "[SEP]", "special": true}, {"id": 4, "content": "[MASK]", "special": true}],
"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]"}}, {"Sequence": {"id": "A"}}, {"SpecialToken": {"id": "[SEP]"}}]},
"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "def": 5, "return": 6, "add": 7, "(": 8, ")": 9, "x": 10, "##s": 11, "w12": 12, "w13": 13, "w14": 14, "w15": 15}}}"###;

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("gguf-embed-fuzz-onnx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        std::fs::write(dir.join("tokenizer.json"), TOKENIZER).expect("the tokenizer");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_onnx(data);
    let dir = folder();
    let model = dir.join("model.onnx");
    std::fs::write(&model, data).expect("write");
    let options = OnnxOptions {
        tokenizer: None,
        pooling: Some(1),
        name: None,
    };
    let out = dir.join("out.gguf");
    if convert_onnx(&model, &options, &out, GgmlType::Q8_0).is_ok() {
        let _ = std::fs::remove_file(&out);
    }
});
