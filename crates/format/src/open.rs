//! Opening a file that must be a regular file, without ever blocking on it.
//!
//! `open(2)` on a FIFO blocks until a writer appears, and on a character device may do anything
//! the driver likes: a model path naming one would hang a libuv thread forever (AbortSignal never
//! settles, process.exit waits). Opening with O_NONBLOCK returns at once for every file type; the
//! type is then checked on the open descriptor (no window for a swap between check and use).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Why a path could not be opened as a regular file.
#[derive(Debug)]
pub enum OpenError {
    Io(io::Error),
    /// A directory, FIFO, socket or device.
    NotAFile,
    /// Larger than the caller's limit (for files read whole).
    TooLarge {
        size: u64,
        limit: u64,
    },
}

/// Opens `path` read-only; refuses anything but a regular file (symlinks to one are followed).
pub fn open_regular(path: &Path) -> Result<File, OpenError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(OpenError::Io)?;
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotAFile);
    }
    // O_NONBLOCK means nothing for a regular file's reads; it stays set.
    Ok(file)
}

/// Reads a regular file of at most `limit` bytes as UTF-8 text (config and vocabulary files).
/// The allocation is sized by the file's length only after that length is checked.
pub fn read_regular_to_string(path: &Path, limit: u64) -> Result<String, OpenError> {
    let file = open_regular(path)?;
    let size = file.metadata().map_err(OpenError::Io)?.len();
    if size > limit {
        return Err(OpenError::TooLarge { size, limit });
    }
    let mut text = String::new();
    text.try_reserve_exact(size as usize)
        .map_err(|_| OpenError::TooLarge { size, limit })?;
    // `take` holds the read to the limit even if the file grows meanwhile.
    file.take(limit)
        .read_to_string(&mut text)
        .map_err(OpenError::Io)?;
    Ok(text)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("gguf-embed-open-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_fifo_is_refused_at_once_not_waited_on() {
        let d = temp_dir("fifo");
        let fifo = d.join("model.gguf");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: plain syscall with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Without O_NONBLOCK this open would block forever (no writer ever comes).
        assert!(matches!(open_regular(&fifo), Err(OpenError::NotAFile)));
        assert!(matches!(
            read_regular_to_string(&fifo, 10),
            Err(OpenError::NotAFile)
        ));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn directories_and_devices_are_refused_and_size_is_capped() {
        let d = temp_dir("kinds");
        assert!(matches!(open_regular(&d), Err(OpenError::NotAFile)));
        assert!(matches!(
            open_regular(Path::new("/dev/zero")),
            Err(OpenError::NotAFile)
        ));
        let f = d.join("config.json");
        std::fs::write(&f, "0123456789").unwrap();
        assert_eq!(read_regular_to_string(&f, 10).unwrap(), "0123456789");
        assert!(matches!(
            read_regular_to_string(&f, 9),
            Err(OpenError::TooLarge { size: 10, limit: 9 })
        ));
        let _ = std::fs::remove_dir_all(&d);
    }
}
