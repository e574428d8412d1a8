//! Which files of a directory get indexed: `.gitignore`d, hidden, vendored, binary, generated
//! and oversized files are skipped (the `ignore` crate reads .gitignore as git does); symbolic
//! links are not followed, so a link loop cannot trap the walk.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use ignore::WalkBuilder;

use crate::lang::FileKind;

/// Directories of other people's code, skipped unless asked for.
const VENDORED: &[&str] = &[
    "node_modules",
    "vendor",
    "third_party",
    "third-party",
    "bower_components",
    "__pycache__",
    "site-packages",
    "venv",
    "Pods",
];

#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Larger files are skipped (generated code and data, in practice).
    pub max_file_bytes: u64,
    pub include_vendored: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            max_file_bytes: 1 << 20,
            include_vendored: false,
        }
    }
}

/// A file the walk found, before it is read.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    /// Relative to the walked directory, `/`-separated: what the index stores and filters on.
    pub relative: String,
    pub kind: FileKind,
    pub size: u64,
    /// Nanoseconds since the epoch: with the size, what decides whether a file is read again.
    pub mtime: i64,
}

/// Why a file was not indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not a language or text format the index knows, or a lock file.
    Unknown,
    TooLarge,
    Binary,
    Generated,
    /// A path that is not UTF-8, a file that vanished or could not be read.
    Unreadable,
}

/// Walks `root` in a stable order (sorted by name), calling `found` for each candidate file and
/// `skipped` for each one passed over. Errors inside the tree (permissions, vanished files) are
/// skips; only an unreadable `root` is an error.
pub fn walk(
    root: &Path,
    options: &WalkOptions,
    mut found: impl FnMut(Found) -> std::ops::ControlFlow<()>,
    mut skipped: impl FnMut(Skip),
) -> std::io::Result<()> {
    let meta = std::fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} is not a directory", root.display()),
        ));
    }
    let include_vendored = options.include_vendored;
    let walker = WalkBuilder::new(root)
        .follow_links(false)
        .require_git(false)
        .hidden(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            include_vendored
                || !e.file_type().is_some_and(|t| t.is_dir())
                || !e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| VENDORED.contains(&n))
        })
        .build();
    for entry in walker {
        let Ok(entry) = entry else {
            skipped(Skip::Unreadable);
            continue;
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Some(relative) = relative_path(root, path) else {
            skipped(Skip::Unreadable);
            continue;
        };
        let Some(kind) = FileKind::of(path).filter(|_| !generated_name(&relative)) else {
            skipped(Skip::Unknown);
            continue;
        };
        let Ok(meta) = entry.metadata() else {
            skipped(Skip::Unreadable);
            continue;
        };
        if meta.len() > options.max_file_bytes {
            skipped(Skip::TooLarge);
            continue;
        }
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i64);
        let f = Found {
            path: path.to_path_buf(),
            relative,
            kind,
            size: meta.len(),
            mtime,
        };
        if found(f).is_break() {
            break;
        }
    }
    Ok(())
}

fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Names that say a tool wrote the file.
fn generated_name(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    const NAMES: &[&str] = &[
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "composer.lock",
    ];
    const SUFFIXES: &[&str] = &[
        ".min.js",
        ".min.css",
        ".pb.go",
        "_pb2.py",
        "_pb2_grpc.py",
        ".pb.h",
        ".pb.cc",
        ".g.dart",
        ".bundle.js",
        ".map",
    ];
    NAMES.contains(&name)
        || SUFFIXES.iter().any(|s| name.ends_with(s))
        || name.contains(".generated.")
}

/// The text of a file, or why it is skipped: binary (a NUL byte, or not UTF-8), generated (a
/// marker in its first lines), minified (lines far longer than code is written).
pub fn classify(bytes: &[u8]) -> Result<&str, Skip> {
    // A NUL anywhere: binary to us (and Postgres text cannot hold one).
    if bytes.contains(&0) {
        return Err(Skip::Binary);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Skip::Binary)?;
    let head: String = text
        .lines()
        .take(5)
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase();
    const MARKERS: &[&str] = &[
        "@generated",
        "do not edit",
        "code generated by",
        "autogenerated",
        "auto-generated",
    ];
    if MARKERS.iter().any(|m| head.contains(m)) {
        return Err(Skip::Generated);
    }
    let lines = text.lines().count().max(1);
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    if longest > 20_000 || (text.len() / lines > 300 && text.len() > 4096) {
        return Err(Skip::Generated);
    }
    Ok(text)
}
