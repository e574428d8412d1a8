//! One update of an index from a directory: walk, read what changed, chunk, write a transaction
//! per batch of files, then sweep what disappeared. Embedding is the caller's next step (pending
//! chunks by model), so a run killed anywhere leaves an index that answers, and the next run
//! finishes the work.

use std::ops::ControlFlow;
use std::path::Path;

use crate::chunk::{self, content_hash, Chunk, Limits, Method};
use crate::error::{IndexError, Result};
use crate::lang::FileKind;
use crate::store::Store;
use crate::walk::{self, Skip, WalkOptions};

#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    pub walk: WalkOptions,
    pub limits: Limits,
}

/// Files a transaction holds at most (and the progress callback's step).
const BATCH_FILES: usize = 256;

#[derive(Debug, Clone, Default)]
pub struct UpdateReport {
    /// Files indexed (walked and kept), and of those:
    pub files: u64,
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Files in the index that are gone from disk (or now skipped).
    pub removed: u64,
    pub chunks_added: u64,
    pub chunks_removed: u64,
    /// Files cut by line windows because their grammar failed on them.
    pub parse_failures: u64,
    pub skipped_unknown: u64,
    pub skipped_large: u64,
    pub skipped_binary: u64,
    pub skipped_generated: u64,
    pub skipped_unreadable: u64,
}

impl UpdateReport {
    fn skip(&mut self, s: Skip) {
        match s {
            Skip::Unknown => self.skipped_unknown += 1,
            Skip::TooLarge => self.skipped_large += 1,
            Skip::Binary => self.skipped_binary += 1,
            Skip::Generated => self.skipped_generated += 1,
            Skip::Unreadable => self.skipped_unreadable += 1,
        }
    }
}

/// Brings the index's files and chunks up to date with `root`. `progress(done, total)` counts
/// files; `cancelled` is polled between files: a cancelled update commits what it did and fails
/// with `Aborted` (no sweep, so nothing is deleted).
pub fn update(
    store: &mut Store,
    root: &Path,
    options: &UpdateOptions,
    mut progress: impl FnMut(u64, u64),
    cancelled: &dyn Fn() -> bool,
) -> Result<UpdateReport> {
    let io = |source| IndexError::Io {
        path: root.to_path_buf(),
        source,
    };
    // A first walk counts the files, for a progress bar with an end (stat only, no reads).
    let mut total = 0u64;
    walk::walk(
        root,
        &options.walk,
        |_| {
            total += 1;
            if cancelled() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
        |_| {},
    )
    .map_err(io)?;
    if cancelled() {
        return Err(IndexError::Aborted);
    }
    progress(0, total);

    let generation = store.next_generation()?;
    let mut report = UpdateReport::default();
    let mut queue: Vec<walk::Found> = Vec::with_capacity(BATCH_FILES);
    let mut done = 0u64;
    let mut failure: Option<IndexError> = None;
    let mut skips: Vec<Skip> = Vec::new();
    walk::walk(
        root,
        &options.walk,
        |f| {
            queue.push(f);
            if queue.len() == BATCH_FILES {
                if let Err(e) = apply(store, &mut queue, options, generation, &mut report) {
                    failure = Some(e);
                    return ControlFlow::Break(());
                }
                done += BATCH_FILES as u64;
                progress(done.min(total), total.max(done));
                if cancelled() {
                    failure = Some(IndexError::Aborted);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        },
        |s| skips.push(s),
    )
    .map_err(io)?;
    if let Some(e) = failure {
        return Err(e);
    }
    let rest = queue.len() as u64;
    apply(store, &mut queue, options, generation, &mut report)?;
    done += rest;
    for s in skips {
        report.skip(s);
    }
    let (files, chunks) = store.sweep(generation)?;
    report.removed = files;
    report.chunks_removed += chunks;
    progress(done, total.max(done));
    Ok(report)
}

/// A file's text hash and chunks.
#[derive(Debug, Clone)]
pub struct FileChunks {
    pub hash: [u8; 16],
    pub method: Method,
    pub chunks: Vec<Chunk>,
}

/// Reads a file and cuts it into chunks, or says why it is skipped (for stores other than
/// SQLite, which diff by hash themselves).
pub fn read_and_chunk(
    path: &Path,
    kind: FileKind,
    limits: &Limits,
) -> std::result::Result<FileChunks, Skip> {
    let bytes = std::fs::read(path).map_err(|_| Skip::Unreadable)?;
    let text = walk::classify(&bytes)?;
    let (chunks, method) = chunk::chunk_file(text, kind, limits);
    Ok(FileChunks {
        hash: content_hash(text),
        method,
        chunks,
    })
}

/// Reads, chunks and writes a batch of files in one transaction.
fn apply(
    store: &mut Store,
    queue: &mut Vec<walk::Found>,
    options: &UpdateOptions,
    generation: crate::store::Generation,
    report: &mut UpdateReport,
) -> Result<()> {
    let batch = store.batch()?;
    for f in queue.drain(..) {
        let known = batch.file(&f.relative)?;
        if let Some(k) = &known {
            if k.size == f.size as i64 && k.mtime == f.mtime {
                batch.touch(k.id, k.size, k.mtime, generation)?;
                report.files += 1;
                report.unchanged += 1;
                continue;
            }
        }
        let Ok(bytes) = std::fs::read(&f.path) else {
            report.skip(Skip::Unreadable);
            continue;
        };
        let text = match walk::classify(&bytes) {
            Ok(t) => t,
            Err(s) => {
                report.skip(s);
                continue;
            }
        };
        let hash = content_hash(text);
        if let Some(k) = known.as_ref().filter(|k| k.hash == hash) {
            batch.touch(k.id, f.size as i64, f.mtime, generation)?;
            report.files += 1;
            report.unchanged += 1;
            continue;
        }
        let (chunks, method) = chunk::chunk_file(text, f.kind, &options.limits);
        if method == Method::Lines && matches!(f.kind, FileKind::Code(_)) {
            report.parse_failures += 1;
        }
        let method_name = match method {
            Method::Syntax => "syntax",
            Method::Lines => "lines",
        };
        let removed = batch.put_file(
            &f.relative,
            f.kind.name(),
            f.size as i64,
            f.mtime,
            &hash,
            method_name,
            &chunks,
            generation,
        )?;
        report.files += 1;
        if known.is_some() {
            report.changed += 1;
        } else {
            report.added += 1;
        }
        report.chunks_added += chunks.len() as u64;
        report.chunks_removed += removed;
    }
    batch.commit()
}
