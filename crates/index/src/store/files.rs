//! Files and their chunks. An update is a generation: every file it sees is stamped with it, and
//! files not stamped when the walk completes are gone from disk. A run killed mid-walk never
//! reaches the sweep, so it deletes nothing.

use rusqlite::{params, OptionalExtension, Transaction};

use super::Store;
use crate::chunk::Chunk;
use crate::error::Result;
use crate::terms;

/// What the index knows of a file, to decide whether to read it again.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: i64,
    pub size: i64,
    pub mtime: i64,
    pub hash: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(pub i64);

impl Store {
    /// Starts an update: the next generation, committed at once.
    pub fn next_generation(&mut self) -> Result<Generation> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| super::sql_at(&path, e))?;
        let g: i64 = tx
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| super::sql_at(&path, e))?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'generation'",
            [(g + 1).to_string()],
        )
        .map_err(|e| super::sql_at(&path, e))?;
        tx.commit().map_err(|e| super::sql_at(&path, e))?;
        Ok(Generation(g + 1))
    }

    /// A write transaction (one per batch of files).
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        self.invalidate();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| super::sql_at(&path, e))?;
        Ok(Batch { tx, path })
    }

    /// Deletes the files an update did not see, and the vectors no chunk refers to any more.
    /// Returns (files, chunks) deleted.
    pub fn sweep(&mut self, generation: Generation) -> Result<(u64, u64)> {
        let path = self.path.clone();
        let sql = |e| super::sql_at(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let chunks: i64 = tx
            .query_row(
                "SELECT count(*) FROM chunks WHERE file_id IN (SELECT id FROM files WHERE seen < ?1)",
                [generation.0],
                |r| r.get(0),
            )
            .map_err(sql)?;
        let files = tx
            .execute("DELETE FROM files WHERE seen < ?1", [generation.0])
            .map_err(sql)?;
        tx.execute(
            "DELETE FROM vectors WHERE NOT EXISTS (SELECT 1 FROM chunks WHERE chunks.hash = vectors.hash)",
            [],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.invalidate();
        Ok((files as u64, chunks as u64))
    }
}

pub struct Batch<'s> {
    tx: Transaction<'s>,
    path: std::path::PathBuf,
}

impl Batch<'_> {
    fn sql(&self, e: rusqlite::Error) -> crate::error::IndexError {
        super::sql_at(&self.path, e)
    }

    pub fn file(&self, path: &str) -> Result<Option<FileRow>> {
        self.tx
            .query_row(
                "SELECT id, size, mtime, hash FROM files WHERE path = ?1",
                [path],
                |r| {
                    Ok(FileRow {
                        id: r.get(0)?,
                        size: r.get(1)?,
                        mtime: r.get(2)?,
                        hash: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// The file is as indexed: stamp it (and its new mtime, when only that changed).
    pub fn touch(&self, id: i64, size: i64, mtime: i64, generation: Generation) -> Result<()> {
        self.tx
            .execute(
                "UPDATE files SET seen = ?2, size = ?3, mtime = ?4 WHERE id = ?1",
                params![id, generation.0, size, mtime],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Replaces a file's chunks (and their BM25 terms). Returns the number of chunks removed.
    #[allow(clippy::too_many_arguments)]
    pub fn put_file(
        &self,
        path: &str,
        language: &str,
        size: i64,
        mtime: i64,
        hash: &[u8],
        method: &str,
        chunks: &[Chunk],
        generation: Generation,
    ) -> Result<u64> {
        let sql = |e| self.sql(e);
        let old: Option<i64> = self
            .tx
            .query_row("SELECT id FROM files WHERE path = ?1", [path], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        let mut removed = 0;
        let file_id = match old {
            Some(id) => {
                removed = self
                    .tx
                    .execute("DELETE FROM chunks WHERE file_id = ?1", [id])
                    .map_err(sql)?;
                self.tx
                    .execute(
                        "UPDATE files SET language = ?2, size = ?3, mtime = ?4, hash = ?5, method = ?6, seen = ?7 WHERE id = ?1",
                        params![id, language, size, mtime, hash, method, generation.0],
                    )
                    .map_err(sql)?;
                id
            }
            None => {
                self.tx
                    .execute(
                        "INSERT INTO files(path, language, size, mtime, hash, method, seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![path, language, size, mtime, hash, method, generation.0],
                    )
                    .map_err(sql)?;
                self.tx.last_insert_rowid()
            }
        };
        let mut insert = self
            .tx
            .prepare_cached(
                "INSERT INTO chunks(file_id, start_line, end_line, symbol, hash, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(sql)?;
        let mut terms_insert = self
            .tx
            .prepare_cached("INSERT INTO terms(rowid, body) VALUES (?1, ?2)")
            .map_err(sql)?;
        for c in chunks {
            insert
                .execute(params![
                    file_id,
                    c.start_line,
                    c.end_line,
                    c.symbol,
                    &c.hash[..],
                    c.text
                ])
                .map_err(sql)?;
            let id = self.tx.last_insert_rowid();
            terms_insert
                .execute(params![
                    id,
                    terms::document(path, c.symbol.as_deref(), &c.text)
                ])
                .map_err(sql)?;
        }
        Ok(removed as u64)
    }

    pub fn commit(self) -> Result<()> {
        let path = self.path;
        self.tx.commit().map_err(|e| super::sql_at(&path, e))
    }
}
