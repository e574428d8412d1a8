//! The index's file work without its SQLite store, for stores kept elsewhere (Postgres): walking
//! a directory, chunking one file, and the BM25 terms and query words the SQLite store uses, so
//! every store chunks, tokenises and filters the same way.

use std::path::PathBuf;

use gguf_embed_index::chunk::Limits;
use gguf_embed_index::lang::FileKind;
use gguf_embed_index::store::Filter;
use gguf_embed_index::update::read_and_chunk;
use gguf_embed_index::walk::{self, Skip, WalkOptions};
use gguf_embed_index::IndexError;
use napi::bindgen_prelude::AsyncTask;
use napi::Env;
use napi_derive::napi;

use crate::error::{Failure, IO};
use crate::job::{Job, Work};

fn skip_name(s: Skip) -> &'static str {
    match s {
        Skip::Unknown => "unknown",
        Skip::TooLarge => "large",
        Skip::Binary => "binary",
        Skip::Generated => "generated",
        Skip::Unreadable => "unreadable",
    }
}

#[napi(object)]
pub struct WalkedFile {
    pub path: String,
    pub relative: String,
    pub language: String,
    pub size: f64,
    pub mtime: f64,
}

#[napi(object)]
pub struct WalkedTree {
    pub files: Vec<WalkedFile>,
    /// One entry per file passed over: unknown, large, binary, generated or unreadable.
    pub skipped: Vec<String>,
}

pub struct WalkTask {
    dir: PathBuf,
    options: WalkOptions,
}

impl Work for WalkTask {
    type Output = WalkedTree;
    type JsValue = WalkedTree;

    fn run(&mut self) -> Result<WalkedTree, Failure> {
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        walk::walk(
            &self.dir,
            &self.options,
            |f| {
                files.push(WalkedFile {
                    path: f.path.display().to_string(),
                    relative: f.relative,
                    language: f.kind.name().to_owned(),
                    size: f.size as f64,
                    mtime: f.mtime as f64,
                });
                std::ops::ControlFlow::Continue(())
            },
            |s| skipped.push(skip_name(s).to_owned()),
        )
        .map_err(|e| {
            Failure::new(IO, format!("{}: {e}", self.dir.display()))
                .text("path", Some(self.dir.display().to_string()))
        })?;
        Ok(WalkedTree { files, skipped })
    }

    fn to_js(&mut self, _env: Env, output: WalkedTree) -> napi::Result<WalkedTree> {
        Ok(output)
    }
}

/// The files of `dir` an index takes, in a stable order (the walk `CodeIndex.update` does).
#[napi(ts_return_type = "Promise<WalkedTree>")]
pub fn walk_code_files(
    dir: String,
    max_file_bytes: Option<f64>,
    include_vendored: Option<bool>,
) -> AsyncTask<Job<WalkTask>> {
    let d = WalkOptions::default();
    let options = WalkOptions {
        max_file_bytes: max_file_bytes.map_or(d.max_file_bytes, |b| b.max(0.0) as u64),
        include_vendored: include_vendored.unwrap_or(false),
    };
    AsyncTask::new(Job::new(WalkTask {
        dir: PathBuf::from(dir),
        options,
    }))
}

#[napi(object)]
pub struct FileChunk {
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<String>,
    /// Hex of the content hash: vectors are stored per hash.
    pub hash: String,
    pub text: String,
    /// What BM25 indexes for it (identifiers split).
    pub terms: String,
}

#[napi(object)]
pub struct ChunkedFile {
    /// Why the file is skipped (binary, generated, unreadable); absent when chunked.
    pub skip: Option<String>,
    pub hash: String,
    /// 'syntax' or 'lines'.
    pub method: String,
    pub chunks: Vec<FileChunk>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct ChunkTask {
    path: PathBuf,
    relative: String,
    limits: Limits,
}

impl Work for ChunkTask {
    type Output = ChunkedFile;
    type JsValue = ChunkedFile;

    fn run(&mut self) -> Result<ChunkedFile, Failure> {
        let kind = FileKind::of(std::path::Path::new(&self.relative)).ok_or_else(|| {
            crate::error::invalid_argument(
                "relative",
                format!("{} is not a file kind the index takes", self.relative),
            )
        })?;
        Ok(match read_and_chunk(&self.path, kind, &self.limits) {
            Err(s) => ChunkedFile {
                skip: Some(skip_name(s).to_owned()),
                hash: String::new(),
                method: String::new(),
                chunks: Vec::new(),
            },
            Ok(f) => ChunkedFile {
                skip: None,
                hash: hex(&f.hash),
                method: match f.method {
                    gguf_embed_index::chunk::Method::Syntax => "syntax".into(),
                    gguf_embed_index::chunk::Method::Lines => "lines".into(),
                },
                chunks: f
                    .chunks
                    .into_iter()
                    .map(|c| FileChunk {
                        terms: gguf_embed_index::terms::document(
                            &self.relative,
                            c.symbol.as_deref(),
                            &c.text,
                        ),
                        start_line: c.start_line,
                        end_line: c.end_line,
                        symbol: c.symbol,
                        hash: hex(&c.hash),
                        text: c.text,
                    })
                    .collect(),
            },
        })
    }

    fn to_js(&mut self, _env: Env, output: ChunkedFile) -> napi::Result<ChunkedFile> {
        Ok(output)
    }
}

/// Reads one file and cuts it into chunks as the index does (`relative` decides the language).
#[napi(ts_return_type = "Promise<ChunkedFile>")]
pub fn chunk_code_file(
    path: String,
    relative: String,
    max_chunk_chars: Option<u32>,
) -> AsyncTask<Job<ChunkTask>> {
    let d = Limits::default();
    AsyncTask::new(Job::new(ChunkTask {
        path: PathBuf::from(path),
        relative,
        limits: Limits {
            max_chars: max_chunk_chars.map_or(d.max_chars, |c| c as usize),
            ..d
        },
    }))
}

/// The words a keyword search looks for (identifiers split, lower-cased, question words dropped).
#[napi]
pub fn query_words(text: String) -> Vec<String> {
    gguf_embed_index::terms::words(&text)
}

/// Which of `paths` the globs let through, with the SQLite store's glob rules.
#[napi]
pub fn match_paths(globs: Vec<String>, paths: Vec<String>) -> napi::Result<Vec<bool>> {
    let filter = Filter::new(Vec::new(), &globs)
        .map_err(|e: IndexError| napi::Error::from_reason(e.to_string()))?;
    Ok(paths
        .iter()
        .map(|p| filter.paths.as_ref().is_none_or(|g| g.is_match(p)))
        .collect())
}
