//! BM25 over the chunks' split-identifier terms (FTS5), search filters, and what a hit shows.

use std::collections::HashSet;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rusqlite::functions::FunctionFlags;

use super::Store;
use crate::error::{IndexError, Result};
use crate::terms;

/// Which files a search looks in: languages (any of) and path globs (any of; `**` crosses
/// directories, `*` does not).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub languages: Vec<String>,
    pub paths: Option<GlobSet>,
}

impl Filter {
    pub fn new(languages: Vec<String>, globs: &[String]) -> Result<Filter> {
        let paths = if globs.is_empty() {
            None
        } else {
            let mut b = GlobSetBuilder::new();
            for g in globs {
                let glob = globset::GlobBuilder::new(g)
                    .literal_separator(true)
                    .build()
                    .or_else(|_| Glob::new(g))
                    .map_err(|e| {
                        IndexError::invalid("path", format!("{g:?} is not a glob: {e}"))
                    })?;
                b.add(glob);
            }
            Some(
                b.build()
                    .map_err(|e| IndexError::invalid("path", e.to_string()))?,
            )
        };
        Ok(Filter { languages, paths })
    }

    pub fn is_empty(&self) -> bool {
        self.languages.is_empty() && self.paths.is_none()
    }
}

/// A chunk as a search result shows it.
#[derive(Debug, Clone)]
pub struct ChunkInfo {
    pub id: i64,
    pub path: String,
    pub language: String,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<String>,
    pub text: String,
}

impl Store {
    /// The files a filter lets through; `None` when it lets everything through.
    pub fn allowed_files(&self, filter: &Filter) -> Result<Option<HashSet<i64>>> {
        if filter.is_empty() {
            return Ok(None);
        }
        let mut st = self
            .conn
            .prepare_cached("SELECT id, path, language FROM files")
            .map_err(|e| self.sql(e))?;
        let mut rows = st.query([]).map_err(|e| self.sql(e))?;
        let mut out = HashSet::new();
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let path: String = r.get(1).map_err(|e| self.sql(e))?;
            let language: String = r.get(2).map_err(|e| self.sql(e))?;
            let lang_ok = filter.languages.is_empty() || filter.languages.contains(&language);
            let path_ok = filter.paths.as_ref().is_none_or(|g| g.is_match(&path));
            if lang_ok && path_ok {
                out.insert(r.get(0).map_err(|e| self.sql(e))?);
            }
        }
        Ok(Some(out))
    }

    /// The `k` best chunks by BM25 (score: SQLite's bm25 negated, higher is better).
    pub fn keyword_search(
        &self,
        query: &str,
        k: usize,
        allowed: Option<&HashSet<i64>>,
    ) -> Result<Vec<(i64, f32)>> {
        let Some(fts) = terms::query(query) else {
            return Ok(Vec::new());
        };
        let filtered = allowed.is_some();
        if let Some(a) = allowed {
            let set = a.clone();
            self.conn
                .create_scalar_function(
                    "gguf_allowed",
                    1,
                    FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
                    move |ctx| Ok(set.contains(&ctx.get::<i64>(0)?)),
                )
                .map_err(|e| self.sql(e))?;
        }
        let sql = format!(
            "SELECT c.id, bm25(terms) FROM terms JOIN chunks c ON c.id = terms.rowid \
             WHERE terms MATCH ?1 {} ORDER BY bm25(terms), c.id LIMIT ?2",
            if filtered {
                "AND gguf_allowed(c.file_id)"
            } else {
                ""
            }
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let rows = st
            .query_map(rusqlite::params![fts, k as i64], |r| {
                Ok((r.get::<_, i64>(0)?, -(r.get::<_, f64>(1)? as f32)))
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql(e))
    }

    /// What to show of each chunk, in the order asked (ids no longer in the index are left out).
    pub fn chunks(&self, ids: &[i64]) -> Result<Vec<ChunkInfo>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT f.path, f.language, c.start_line, c.end_line, c.symbol, c.text \
                 FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id = ?1",
            )
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let mut rows = st.query([id]).map_err(|e| self.sql(e))?;
            if let Some(r) = rows.next().map_err(|e| self.sql(e))? {
                let get = |e| self.sql(e);
                out.push(ChunkInfo {
                    id,
                    path: r.get(0).map_err(get)?,
                    language: r.get(1).map_err(get)?,
                    start_line: r.get(2).map_err(get)?,
                    end_line: r.get(3).map_err(get)?,
                    symbol: r.get(4).map_err(get)?,
                    text: r.get(5).map_err(get)?,
                });
            }
        }
        Ok(out)
    }
}
