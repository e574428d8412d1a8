//! What an index holds.

use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub files: u64,
    pub chunks: u64,
    /// (language, files, chunks), most chunks first.
    pub languages: Vec<(String, u64, u64)>,
    /// Files cut by line windows (text files, and code whose grammar failed).
    pub line_files: u64,
    /// (model key, dimensions, encoding, chunks with a vector, chunks without).
    pub models: Vec<(String, u64, String, u64, u64)>,
    pub disk_bytes: u64,
    pub generation: i64,
}

impl Store {
    pub fn stats(&self) -> Result<Stats> {
        let sql = |e| self.sql(e);
        let mut s = Stats {
            disk_bytes: self.disk_bytes(),
            ..Stats::default()
        };
        let (files, chunks, line_files, generation): (i64, i64, i64, i64) = self
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM chunks), \
                 (SELECT count(*) FROM files WHERE method = 'lines'), \
                 (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(sql)?;
        s.files = files as u64;
        s.chunks = chunks as u64;
        s.line_files = line_files as u64;
        s.generation = generation;
        let mut st = self
            .conn
            .prepare(
                "SELECT f.language, count(DISTINCT f.id), count(c.id) FROM files f LEFT JOIN chunks c ON c.file_id = f.id \
                 GROUP BY f.language ORDER BY count(c.id) DESC, f.language",
            )
            .map_err(sql)?;
        s.languages = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ))
            })
            .map_err(sql)?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql)?;
        let mut st = self
            .conn
            .prepare("SELECT id, key, dims, encoding FROM models ORDER BY id")
            .map_err(sql)?;
        let models: Vec<(i64, String, i64, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(sql)?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql)?;
        for (id, key, dims, enc) in models {
            let (with, without) = self.vector_counts(id)?;
            s.models.push((key, dims as u64, enc, with, without));
        }
        Ok(s)
    }
}
