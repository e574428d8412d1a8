//! The index's tables, and how an existing file is recognised as ours: SQLite's `application_id`
//! header field holds our tag and `user_version` the schema version.

use std::path::Path;

use rusqlite::Connection;

use super::sql_at;
use crate::error::{IndexError, Result};

/// "GEIX" in the header: marks the file as a gguf-embed index.
pub const APPLICATION_ID: i64 = 0x4745_4958;
pub const SCHEMA_VERSION: i64 = 1;

const TABLES: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  language TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  hash BLOB NOT NULL,
  method TEXT NOT NULL,
  seen INTEGER NOT NULL
);
CREATE TABLE chunks(
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  symbol TEXT,
  hash BLOB NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX chunks_by_file ON chunks(file_id);
CREATE INDEX chunks_by_hash ON chunks(hash);
CREATE VIRTUAL TABLE terms USING fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER chunks_gone AFTER DELETE ON chunks BEGIN DELETE FROM terms WHERE rowid = old.id; END;
CREATE TABLE models(
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  dims INTEGER NOT NULL,
  encoding TEXT NOT NULL
);
CREATE TABLE vectors(
  model_id INTEGER NOT NULL REFERENCES models(id),
  hash BLOB NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY(model_id, hash)
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('generation', '0');
";

pub(super) fn prepare(conn: &mut Connection, path: &Path, existing: bool) -> Result<()> {
    let sql = |e| sql_at(path, e);
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(sql)?;
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(sql)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(sql)?;
    if app != APPLICATION_ID {
        if existing && tables > 0 {
            return Err(IndexError::NotAnIndex {
                path: path.to_path_buf(),
                reason:
                    "an SQLite database of something else (its application_id is not gguf-embed's)"
                        .into(),
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        let tx = conn.transaction().map_err(sql)?;
        // Another process may have created it meanwhile: check again under the write lock.
        let app: i64 = tx
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(sql)?;
        if app != APPLICATION_ID {
            tx.execute_batch(TABLES).map_err(sql)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(sql)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql)?;
    if version > SCHEMA_VERSION {
        return Err(IndexError::Version {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sql)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sql)?;
    // Every table must be there: a file with our tag and missing tables was damaged.
    for table in ["meta", "files", "chunks", "terms", "models", "vectors"] {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if n == 0 {
            return Err(IndexError::Corrupt {
                path: path.to_path_buf(),
                detail: format!("table {table} is missing"),
            });
        }
    }
    Ok(())
}
