//! One SQLite file (bundled SQLite, WAL) holds the index: files, chunks, their BM25 terms (FTS5)
//! and vectors per model. Every write is a transaction, so a killed process leaves the last
//! committed state, and readers in other processes see whole transactions only.

mod files;
mod keyword;
mod schema;
mod vectors;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use files::{FileRow, Generation};
pub use keyword::Filter;
pub use vectors::{Encoding, ModelKey};

use crate::error::{IndexError, Result};

pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    matrices: vectors::Matrices,
}

impl Store {
    /// Opens the index at `path`, creating it when the file is missing or empty. A file that is
    /// not SQLite, or a SQLite database that is not ours, is refused without being written.
    pub fn open(path: &Path) -> Result<Store> {
        let existing = std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        if existing {
            check_header(path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_at(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            matrices: vectors::Matrices::default(),
        };
        schema::prepare(&mut store.conn, path, existing)?;
        Ok(store)
    }

    pub(crate) fn sql(&self, e: rusqlite::Error) -> IndexError {
        sql_at(&self.path, e)
    }

    /// Bytes of the database and its write-ahead log.
    pub fn disk_bytes(&self) -> u64 {
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        [self.path.as_path(), wal.as_path()]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// SQLite's first 16 bytes; anything else is not a database (checked before SQLite sees the file,
/// so a stray path never gets a journal written next to it).
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let n = f.read(&mut head).map_err(|source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(IndexError::NotAnIndex {
            path: path.to_path_buf(),
            reason: "not an SQLite database".into(),
        });
    }
    Ok(())
}

pub(crate) fn sql_at(path: &Path, e: rusqlite::Error) -> IndexError {
    let detail = e.to_string();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt) => IndexError::Corrupt {
            path: path.to_path_buf(),
            detail,
        },
        Some(ErrorCode::NotADatabase) => IndexError::NotAnIndex {
            path: path.to_path_buf(),
            reason: detail,
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => IndexError::Locked {
            path: path.to_path_buf(),
            detail,
        },
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            IndexError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(detail),
            }
        }
        _ => IndexError::Sqlite(detail),
    }
}
