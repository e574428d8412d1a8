//! The code index as JS sees it: one SQLite index per `NativeCodeIndex`, every call a task on the
//! libuv pool holding the index's lock. Embedding stays in JS (any Embedder or static tier): it
//! asks for pending chunks, embeds them and hands the vectors back.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use gguf_embed_index::chunk::Limits;
use gguf_embed_index::store::{Encoding, Filter, ModelKey, Store};
use gguf_embed_index::update::{update, UpdateOptions, UpdateReport};
use gguf_embed_index::walk::WalkOptions;
use napi::bindgen_prelude::{AbortSignal, AsyncTask, Float32Array, ToNapiValue, TypeName};
use napi::Env;
use napi_derive::napi;

use crate::embedder::CancelToken;
use crate::error::{invalid_argument, Failure, CLOSED};
use crate::job::{Job, Work};

/// Longest query accepted, in bytes (a query is a question, not a document).
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

type Shared = Arc<Mutex<Option<Store>>>;

/// One operation on the index, run with its lock held.
pub struct IndexOp<T> {
    store: Shared,
    op: Option<SlotOp<T>>,
}

type SlotOp<T> = Box<dyn FnOnce(&mut Option<Store>) -> Result<T, Failure> + Send>;

impl<T: ToNapiValue + TypeName + Send + 'static> Work for IndexOp<T> {
    type Output = T;
    type JsValue = T;

    fn run(&mut self) -> Result<T, Failure> {
        let mut guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let op = self
            .op
            .take()
            .ok_or_else(|| Failure::new(CLOSED, "ran twice"))?;
        op(&mut guard)
    }

    fn to_js(&mut self, _env: Env, output: T) -> napi::Result<T> {
        Ok(output)
    }
}

fn task<T: ToNapiValue + TypeName + Send + 'static>(
    store: &Shared,
    signal: Option<AbortSignal>,
    op: impl FnOnce(&mut Store) -> Result<T, Failure> + Send + 'static,
) -> AsyncTask<Job<IndexOp<T>>> {
    let work = IndexOp {
        store: store.clone(),
        op: Some(Box::new(move |slot: &mut Option<Store>| {
            let store = slot
                .as_mut()
                .ok_or_else(|| Failure::new(CLOSED, "the index is closed"))?;
            op(store)
        })),
    };
    AsyncTask::with_optional_signal(Job::new(work), signal)
}

/// Which model a set of vectors belongs to.
#[napi(object)]
#[derive(Clone)]
pub struct IndexModel {
    /// Identifies the model file (name, type, size): vectors of different keys never mix.
    pub key: String,
    pub dims: u32,
    /// 'int8' (default) or 'f16'.
    pub encoding: Option<String>,
}

impl IndexModel {
    fn key(&self) -> Result<ModelKey, Failure> {
        let name = self.encoding.as_deref().unwrap_or("int8");
        let encoding = Encoding::from_name(name)
            .ok_or_else(|| invalid_argument("vectors", format!("{name:?} is not int8 or f16")))?;
        if self.dims == 0 || self.dims > 65_536 || self.key.is_empty() {
            return Err(invalid_argument(
                "model",
                "a model needs a key and 1 to 65536 dimensions",
            ));
        }
        Ok(ModelKey {
            key: self.key.clone(),
            dims: self.dims as usize,
            encoding,
        })
    }
}

#[napi(object)]
#[derive(Default, Clone)]
pub struct IndexFilter {
    /// Any of these languages ('python', 'typescript', 'markdown', ...).
    pub language: Option<Vec<String>>,
    /// Any of these globs over the path relative to the indexed directory (`src/**/*.ts`).
    pub path: Option<Vec<String>>,
}

impl IndexFilter {
    fn build(&self) -> Result<Filter, Failure> {
        Ok(Filter::new(
            self.language.clone().unwrap_or_default(),
            &self.path.clone().unwrap_or_default(),
        )?)
    }
}

#[napi(object)]
pub struct IndexHit {
    pub id: i64,
    pub score: f64,
}

#[napi(object)]
pub struct IndexChunk {
    pub id: i64,
    pub path: String,
    pub language: String,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<String>,
    pub text: String,
}

#[napi(object)]
pub struct PendingChunks {
    pub ids: Vec<i64>,
    pub texts: Vec<String>,
}

#[napi(object)]
#[derive(Default)]
pub struct IndexUpdateOptions {
    /// Larger files are skipped (default 1 MiB).
    pub max_file_bytes: Option<f64>,
    /// Index node_modules, vendor, third_party, ... too (default false).
    pub include_vendored: Option<bool>,
    /// Chunk size limit in characters (default 1500).
    pub max_chunk_chars: Option<u32>,
}

#[napi(object)]
pub struct IndexUpdateReport {
    pub files: f64,
    pub added: f64,
    pub changed: f64,
    pub unchanged: f64,
    pub removed: f64,
    pub chunks_added: f64,
    pub chunks_removed: f64,
    pub parse_failures: f64,
    pub skipped_unknown: f64,
    pub skipped_large: f64,
    pub skipped_binary: f64,
    pub skipped_generated: f64,
    pub skipped_unreadable: f64,
}

impl From<UpdateReport> for IndexUpdateReport {
    fn from(r: UpdateReport) -> Self {
        IndexUpdateReport {
            files: r.files as f64,
            added: r.added as f64,
            changed: r.changed as f64,
            unchanged: r.unchanged as f64,
            removed: r.removed as f64,
            chunks_added: r.chunks_added as f64,
            chunks_removed: r.chunks_removed as f64,
            parse_failures: r.parse_failures as f64,
            skipped_unknown: r.skipped_unknown as f64,
            skipped_large: r.skipped_large as f64,
            skipped_binary: r.skipped_binary as f64,
            skipped_generated: r.skipped_generated as f64,
            skipped_unreadable: r.skipped_unreadable as f64,
        }
    }
}

#[napi(object)]
pub struct IndexLanguageStats {
    pub language: String,
    pub files: f64,
    pub chunks: f64,
}

#[napi(object)]
pub struct IndexModelStats {
    pub key: String,
    pub dims: u32,
    pub encoding: String,
    pub vectors: f64,
    pub missing: f64,
}

#[napi(object)]
pub struct IndexStats {
    pub files: f64,
    pub chunks: f64,
    pub languages: Vec<IndexLanguageStats>,
    pub line_files: f64,
    pub models: Vec<IndexModelStats>,
    pub disk_bytes: f64,
}

/// Files walked of the total, for a progress bar (JS polls it).
#[napi]
#[derive(Default)]
pub struct IndexProgress {
    done: Arc<AtomicU32>,
    total: Arc<AtomicU32>,
}

#[napi]
impl IndexProgress {
    #[napi(constructor)]
    pub fn new() -> Self {
        IndexProgress::default()
    }

    #[napi(getter)]
    pub fn done(&self) -> u32 {
        self.done.load(Ordering::Relaxed)
    }

    #[napi(getter)]
    pub fn total(&self) -> u32 {
        self.total.load(Ordering::Relaxed)
    }
}

#[napi]
pub struct NativeCodeIndex {
    store: Shared,
}

pub struct OpenIndexTask {
    pub path: PathBuf,
}

impl Work for OpenIndexTask {
    type Output = Store;
    type JsValue = NativeCodeIndex;

    fn run(&mut self) -> Result<Store, Failure> {
        Ok(Store::open(&self.path)?)
    }

    fn to_js(&mut self, _env: Env, store: Store) -> napi::Result<NativeCodeIndex> {
        Ok(NativeCodeIndex {
            store: Arc::new(Mutex::new(Some(store))),
        })
    }
}

fn check_query(query: &str) -> Result<(), Failure> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(invalid_argument(
            "query",
            format!(
                "{} bytes; a query may have at most {MAX_QUERY_BYTES}",
                query.len()
            ),
        )
        .number("limit", MAX_QUERY_BYTES as u64));
    }
    Ok(())
}

#[napi]
impl NativeCodeIndex {
    /// Brings the index up to date with `dir` (files and chunks; vectors are `pending` after).
    #[napi(ts_return_type = "Promise<IndexUpdateReport>")]
    pub fn update(
        &self,
        dir: String,
        options: Option<IndexUpdateOptions>,
        progress: Option<&IndexProgress>,
        cancel: Option<&CancelToken>,
        signal: Option<AbortSignal>,
    ) -> AsyncTask<Job<IndexOp<IndexUpdateReport>>> {
        let o = options.unwrap_or_default();
        let defaults = UpdateOptions::default();
        let opts = UpdateOptions {
            walk: WalkOptions {
                max_file_bytes: o
                    .max_file_bytes
                    .map_or(defaults.walk.max_file_bytes, |b| b.max(0.0) as u64),
                include_vendored: o.include_vendored.unwrap_or(false),
            },
            limits: Limits {
                max_chars: o
                    .max_chunk_chars
                    .map_or(defaults.limits.max_chars, |c| c as usize),
                ..defaults.limits
            },
        };
        let (done, total) = progress.map_or_else(
            || (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0))),
            |p| (p.done.clone(), p.total.clone()),
        );
        let flag = cancel.map_or_else(|| Arc::new(AtomicBool::new(false)), |c| c.flag.clone());
        task(&self.store, signal, move |store| {
            let report = update(
                store,
                &PathBuf::from(dir),
                &opts,
                |d, t| {
                    done.store(d.min(u32::MAX as u64) as u32, Ordering::Relaxed);
                    total.store(t.min(u32::MAX as u64) as u32, Ordering::Relaxed);
                },
                &|| flag.load(Ordering::Relaxed),
            )?;
            Ok(IndexUpdateReport::from(report))
        })
    }

    /// Up to `limit` chunks after chunk id `after` that have no vector of `model`.
    #[napi(ts_return_type = "Promise<PendingChunks>")]
    pub fn pending(
        &self,
        model: IndexModel,
        after: i64,
        limit: u32,
    ) -> AsyncTask<Job<IndexOp<PendingChunks>>> {
        task(&self.store, None, move |store| {
            let id = store.model(&model.key()?)?;
            let rows = store.pending(id, after, limit.clamp(1, 4096) as usize)?;
            let (ids, texts) = rows.into_iter().unzip();
            Ok(PendingChunks { ids, texts })
        })
    }

    /// The texts of these chunks (for embedding on demand); ids no longer indexed are left out.
    #[napi(ts_return_type = "Promise<PendingChunks>")]
    pub fn texts(&self, ids: Vec<i64>) -> AsyncTask<Job<IndexOp<PendingChunks>>> {
        task(&self.store, None, move |store| {
            let (ids, texts) = store.texts(&ids)?.into_iter().unzip();
            Ok(PendingChunks { ids, texts })
        })
    }

    /// Stores one vector per chunk (`vectors` holds ids.length x dims values). Returns how many
    /// were stored (chunks deleted meanwhile are skipped).
    #[napi(ts_return_type = "Promise<number>")]
    pub fn put_vectors(
        &self,
        model: IndexModel,
        ids: Vec<i64>,
        vectors: Float32Array,
    ) -> AsyncTask<Job<IndexOp<u32>>> {
        let values = vectors.to_vec();
        task(&self.store, None, move |store| {
            Ok(store.put_vectors(&model.key()?, &ids, &values)? as u32)
        })
    }

    #[napi(ts_return_type = "Promise<IndexHit[]>")]
    pub fn keyword(
        &self,
        query: String,
        k: u32,
        filter: Option<IndexFilter>,
    ) -> AsyncTask<Job<IndexOp<Vec<IndexHit>>>> {
        task(&self.store, None, move |store| {
            check_query(&query)?;
            let allowed = store.allowed_files(&filter.unwrap_or_default().build()?)?;
            let hits =
                store.keyword_search(&query, k.clamp(1, 10_000) as usize, allowed.as_ref())?;
            Ok(hits
                .into_iter()
                .map(|(id, s)| IndexHit {
                    id,
                    score: s as f64,
                })
                .collect())
        })
    }

    #[napi(ts_return_type = "Promise<IndexHit[]>")]
    pub fn vector(
        &self,
        model: IndexModel,
        query: Float32Array,
        k: u32,
        filter: Option<IndexFilter>,
    ) -> AsyncTask<Job<IndexOp<Vec<IndexHit>>>> {
        let q = query.to_vec();
        task(&self.store, None, move |store| {
            let allowed = store.allowed_files(&filter.unwrap_or_default().build()?)?;
            let hits = store.vector_search(
                &model.key()?,
                &q,
                k.clamp(1, 10_000) as usize,
                allowed.as_ref(),
            )?;
            Ok(hits
                .into_iter()
                .map(|(id, s)| IndexHit {
                    id,
                    score: s as f64,
                })
                .collect())
        })
    }

    /// The model's score of each chunk; null for chunks it has no vector of.
    #[napi(ts_return_type = "Promise<Array<number | null>>")]
    pub fn scores(
        &self,
        model: IndexModel,
        query: Float32Array,
        ids: Vec<i64>,
    ) -> AsyncTask<Job<IndexOp<Vec<Option<f64>>>>> {
        let q = query.to_vec();
        task(&self.store, None, move |store| {
            let s = store.vector_scores(&model.key()?, &q, &ids)?;
            Ok(s.into_iter().map(|x| x.map(f64::from)).collect())
        })
    }

    #[napi(ts_return_type = "Promise<IndexChunk[]>")]
    pub fn chunks(&self, ids: Vec<i64>) -> AsyncTask<Job<IndexOp<Vec<IndexChunk>>>> {
        task(&self.store, None, move |store| {
            Ok(store
                .chunks(&ids)?
                .into_iter()
                .map(|c| IndexChunk {
                    id: c.id,
                    path: c.path,
                    language: c.language,
                    start_line: c.start_line,
                    end_line: c.end_line,
                    symbol: c.symbol,
                    text: c.text,
                })
                .collect())
        })
    }

    #[napi(ts_return_type = "Promise<IndexStats>")]
    pub fn stats(&self) -> AsyncTask<Job<IndexOp<IndexStats>>> {
        task(&self.store, None, move |store| {
            let s = store.stats()?;
            Ok(IndexStats {
                files: s.files as f64,
                chunks: s.chunks as f64,
                languages: s
                    .languages
                    .into_iter()
                    .map(|(language, files, chunks)| IndexLanguageStats {
                        language,
                        files: files as f64,
                        chunks: chunks as f64,
                    })
                    .collect(),
                line_files: s.line_files as f64,
                models: s
                    .models
                    .into_iter()
                    .map(|(key, dims, encoding, vectors, missing)| IndexModelStats {
                        key,
                        dims: dims as u32,
                        encoding,
                        vectors: vectors as f64,
                        missing: missing as f64,
                    })
                    .collect(),
                disk_bytes: s.disk_bytes as f64,
            })
        })
    }

    /// Closes the database once running operations finish; later calls fail with CLOSED.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<Job<IndexOp<()>>> {
        let work = IndexOp {
            store: self.store.clone(),
            op: Some(Box::new(|slot: &mut Option<Store>| {
                slot.take();
                Ok(())
            })),
        };
        AsyncTask::new(Job::new(work))
    }
}

/// Opens (creating when missing) a code index file.
pub fn open(path: String, signal: Option<AbortSignal>) -> AsyncTask<Job<OpenIndexTask>> {
    AsyncTask::with_optional_signal(
        Job::new(OpenIndexTask {
            path: PathBuf::from(path),
        }),
        signal,
    )
}
