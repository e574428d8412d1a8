//! Vectors per model, stored per chunk hash (a moved function keeps its vectors) as int8 with one
//! scale a vector, or as f16. Search is exact: all of a model's vectors are held in one native
//! matrix (rebuilt when the index changes) and scored against the query in Rust.

use std::collections::{HashMap, HashSet};

use half::f16;
use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::{IndexError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// One byte a dimension and a f32 scale: 4x smaller than f32, cosine error ~1e-4.
    Int8,
    F16,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Int8 => "int8",
            Encoding::F16 => "f16",
        }
    }

    pub fn from_name(s: &str) -> Option<Encoding> {
        match s {
            "int8" => Some(Encoding::Int8),
            "f16" => Some(Encoding::F16),
            _ => None,
        }
    }

    fn encode(self, v: &[f32]) -> Vec<u8> {
        match self {
            Encoding::Int8 => {
                let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
                let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
                let mut out = Vec::with_capacity(4 + v.len());
                out.extend_from_slice(&scale.to_le_bytes());
                out.extend(
                    v.iter()
                        .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8 as u8),
                );
                out
            }
            Encoding::F16 => v
                .iter()
                .flat_map(|x| f16::from_f32(*x).to_le_bytes())
                .collect(),
        }
    }

    fn stored_len(self, dims: usize) -> usize {
        match self {
            Encoding::Int8 => 4 + dims,
            Encoding::F16 => 2 * dims,
        }
    }
}

/// Which model a set of vectors belongs to. The key names the model file's identity (name,
/// type, size): vectors of two models are never compared.
#[derive(Debug, Clone)]
pub struct ModelKey {
    pub key: String,
    pub dims: usize,
    pub encoding: Encoding,
}

/// A model's vectors in memory, rows in chunk order.
pub(crate) struct Matrix {
    model_id: i64,
    dims: usize,
    chunk_ids: Vec<i64>,
    file_ids: Vec<i64>,
    /// int8: the values; f16 is widened to f32 once, at build.
    values_i8: Vec<i8>,
    scales: Vec<f32>,
    values_f32: Vec<f32>,
    row_of: HashMap<i64, usize>,
}

impl Matrix {
    fn score(&self, row: usize, q: &[f32]) -> f32 {
        let d = self.dims;
        if self.values_f32.is_empty() {
            let v = &self.values_i8[row * d..(row + 1) * d];
            let dot: f32 = v.iter().zip(q).map(|(a, b)| *a as f32 * b).sum();
            dot * self.scales[row]
        } else {
            let v = &self.values_f32[row * d..(row + 1) * d];
            v.iter().zip(q).map(|(a, b)| a * b).sum()
        }
    }
}

#[derive(Default)]
pub(crate) struct Matrices {
    by_model: HashMap<i64, Matrix>,
    /// SQLite's data_version when they were built: another connection's commit changes it.
    data_version: i64,
}

impl Store {
    pub(crate) fn invalidate(&mut self) {
        self.matrices.by_model.clear();
    }

    /// The model's id, registering it on first use. A key registered with other dimensions or
    /// another encoding is refused: its vectors could not be compared.
    pub fn model(&mut self, m: &ModelKey) -> Result<i64> {
        let path = self.path.clone();
        let sql = |e| super::sql_at(&path, e);
        let found: Option<(i64, i64, String)> = self
            .conn
            .query_row(
                "SELECT id, dims, encoding FROM models WHERE key = ?1",
                [&m.key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sql)?;
        match found {
            Some((id, dims, enc)) if dims as usize == m.dims && enc == m.encoding.name() => Ok(id),
            Some((_, dims, enc)) => Err(IndexError::invalid(
                "model",
                format!(
                    "{} is in this index with {dims} dimensions as {enc}, asked for {} as {}",
                    m.key,
                    m.dims,
                    m.encoding.name()
                ),
            )),
            None => {
                self.conn
                    .execute(
                        "INSERT INTO models(key, dims, encoding) VALUES (?1, ?2, ?3)",
                        params![m.key, m.dims as i64, m.encoding.name()],
                    )
                    .map_err(sql)?;
                Ok(self.conn.last_insert_rowid())
            }
        }
    }

    /// Chunks after `after` (by id) with no vector of the model: up to `limit` of them, as
    /// (chunk id, text). Paging by id keeps a whole update linear in the index's size.
    pub fn pending(&self, model_id: i64, after: i64, limit: usize) -> Result<Vec<(i64, String)>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT c.id, c.text FROM chunks c WHERE c.id > ?2 AND NOT EXISTS \
                 (SELECT 1 FROM vectors v WHERE v.model_id = ?1 AND v.hash = c.hash) ORDER BY c.id LIMIT ?3",
            )
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map(params![model_id, after, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql(e))
    }

    /// The chunks' texts, for embedding on demand (ids not in the index are left out).
    pub fn texts(&self, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT text FROM chunks WHERE id = ?1")
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(t) = st
                .query_row([id], |r| r.get(0))
                .optional()
                .map_err(|e| self.sql(e))?
            {
                out.push((*id, t));
            }
        }
        Ok(out)
    }

    /// Stores one vector per chunk id (`vectors` is `ids.len()` rows of the model's dimensions),
    /// in one transaction. Chunks deleted meanwhile are skipped.
    pub fn put_vectors(&mut self, m: &ModelKey, ids: &[i64], vectors: &[f32]) -> Result<usize> {
        if vectors.len() != ids.len() * m.dims {
            return Err(IndexError::invalid(
                "vectors",
                format!(
                    "{} values for {} chunks of {} dimensions",
                    vectors.len(),
                    ids.len(),
                    m.dims
                ),
            ));
        }
        if vectors.iter().any(|x| !x.is_finite()) {
            return Err(IndexError::invalid("vectors", "a value is not finite"));
        }
        let model_id = self.model(m)?;
        let path = self.path.clone();
        let sql = |e| super::sql_at(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut stored = 0;
        {
            let mut hash_of = tx
                .prepare_cached("SELECT hash FROM chunks WHERE id = ?1")
                .map_err(sql)?;
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO vectors(model_id, hash, data) VALUES (?1, ?2, ?3)",
                )
                .map_err(sql)?;
            for (i, id) in ids.iter().enumerate() {
                let Some(hash): Option<Vec<u8>> = hash_of
                    .query_row([id], |r| r.get(0))
                    .optional()
                    .map_err(sql)?
                else {
                    continue;
                };
                let v = &vectors[i * m.dims..(i + 1) * m.dims];
                put.execute(params![model_id, hash, m.encoding.encode(v)])
                    .map_err(sql)?;
                stored += 1;
            }
        }
        tx.commit().map_err(sql)?;
        // Only this model's matrix is stale: the chunks, and so every other model's rows, are
        // as they were (a cascade stores precise vectors after most queries; the fast tier's
        // matrix, the largest, is not rebuilt for it).
        self.matrices.by_model.remove(&model_id);
        Ok(stored)
    }

    /// Vectors of the model, and chunks without one.
    pub fn vector_counts(&self, model_id: i64) -> Result<(u64, u64)> {
        let (with, without): (i64, i64) = self
            .conn
            .query_row(
                "SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM vectors v WHERE v.model_id = ?1 AND v.hash = c.hash)), \
                 count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model_id = ?1 AND v.hash = c.hash)) FROM chunks c",
                [model_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.sql(e))?;
        Ok((with as u64, without as u64))
    }

    fn matrix(&mut self, m: &ModelKey) -> Result<&Matrix> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        if version != self.matrices.data_version {
            self.invalidate();
            self.matrices.data_version = version;
        }
        let model_id = self.model(m)?;
        if !self.matrices.by_model.contains_key(&model_id) {
            let built = self.build_matrix(model_id, m)?;
            self.matrices.by_model.insert(model_id, built);
        }
        Ok(&self.matrices.by_model[&model_id])
    }

    fn build_matrix(&self, model_id: i64, m: &ModelKey) -> Result<Matrix> {
        let mut st = self
            .conn
            .prepare(
                "SELECT c.id, c.file_id, v.data FROM chunks c JOIN vectors v ON v.model_id = ?1 AND v.hash = c.hash ORDER BY c.id",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = st.query([model_id]).map_err(|e| self.sql(e))?;
        let mut mx = Matrix {
            model_id,
            dims: m.dims,
            chunk_ids: Vec::new(),
            file_ids: Vec::new(),
            values_i8: Vec::new(),
            scales: Vec::new(),
            values_f32: Vec::new(),
            row_of: HashMap::new(),
        };
        let want = m.encoding.stored_len(m.dims);
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let data = r
                .get_ref(2)
                .map_err(|e| self.sql(e))?
                .as_blob()
                .unwrap_or(&[]);
            if data.len() != want {
                return Err(IndexError::Corrupt {
                    path: self.path.clone(),
                    detail: format!(
                        "a vector of {} bytes where {} were expected",
                        data.len(),
                        want
                    ),
                });
            }
            match m.encoding {
                Encoding::Int8 => {
                    mx.scales
                        .push(f32::from_le_bytes([data[0], data[1], data[2], data[3]]));
                    mx.values_i8.extend(data[4..].iter().map(|b| *b as i8));
                }
                Encoding::F16 => mx.values_f32.extend(
                    data.chunks_exact(2)
                        .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32()),
                ),
            }
            let id: i64 = r.get(0).map_err(|e| self.sql(e))?;
            mx.row_of.insert(id, mx.chunk_ids.len());
            mx.chunk_ids.push(id);
            mx.file_ids.push(r.get(1).map_err(|e| self.sql(e))?);
        }
        Ok(mx)
    }

    /// The `k` chunks whose vectors score highest against `query` (exact search), among files
    /// `allowed` lets through (`None`: all).
    pub fn vector_search(
        &mut self,
        m: &ModelKey,
        query: &[f32],
        k: usize,
        allowed: Option<&HashSet<i64>>,
    ) -> Result<Vec<(i64, f32)>> {
        check_query(query, m.dims)?;
        let mx = self.matrix(m)?;
        debug_assert!(mx.model_id > 0);
        let mut scored: Vec<(f32, usize)> = (0..mx.chunk_ids.len())
            .filter(|&row| allowed.is_none_or(|a| a.contains(&mx.file_ids[row])))
            .map(|row| (mx.score(row, query), row))
            .collect();
        let k = k.min(scored.len());
        if k == 0 {
            return Ok(Vec::new());
        }
        scored.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        scored.truncate(k);
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(scored
            .into_iter()
            .map(|(s, row)| (mx.chunk_ids[row], s))
            .collect())
    }

    /// The model's score of each chunk against `query`; `None` for chunks it has no vector of.
    pub fn vector_scores(
        &mut self,
        m: &ModelKey,
        query: &[f32],
        ids: &[i64],
    ) -> Result<Vec<Option<f32>>> {
        check_query(query, m.dims)?;
        let mx = self.matrix(m)?;
        Ok(ids
            .iter()
            .map(|id| mx.row_of.get(id).map(|&row| mx.score(row, query)))
            .collect())
    }
}

fn check_query(query: &[f32], dims: usize) -> Result<()> {
    if query.len() != dims {
        return Err(IndexError::invalid(
            "query",
            format!(
                "a vector of {} dimensions for a model of {dims}",
                query.len()
            ),
        ));
    }
    if query.iter().any(|x| !x.is_finite()) {
        return Err(IndexError::invalid("query", "a value is not finite"));
    }
    Ok(())
}
