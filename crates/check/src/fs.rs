//! The file-system seam: every file `check` reads (AWS config files, the SSO token cache,
//! the web identity token, chrony/NTP configs, container markers) goes through [`Fs`], so
//! tests point it at a temporary root instead of the real `/`.
//!
//! Reads are size-capped: a file larger than the cap is an error, never a large allocation.
//! Only regular files are read: a FIFO, device, socket or directory is an error that says
//! which, found by looking at the path before opening it (opening a FIFO would wait for a
//! writer forever), and the open itself never waits.

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Read-only access to files by absolute path.
pub trait Fs: Send + Sync {
    /// Reads a whole regular file of at most `cap` bytes; larger files are an error
    /// (`io::ErrorKind::FileTooLarge`), and so is anything that is not a regular file
    /// (`InvalidInput`, "not a regular file (a FIFO)", …). Never blocks on a FIFO.
    fn read(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>>;
    /// Whether something exists at `path`.
    fn exists(&self, path: &Path) -> bool;
    /// The entries of a directory (full paths), at most `limit` of them, sorted.
    fn list(&self, dir: &Path, limit: usize) -> io::Result<Vec<PathBuf>>;
}

/// The real file system seen from `root` (`/` in the binary): `/etc/chrony.conf` is read
/// from `root/etc/chrony.conf`.
#[derive(Debug, Clone)]
pub struct RootFs {
    root: PathBuf,
}

impl RootFs {
    pub fn new(root: impl Into<PathBuf>) -> RootFs {
        RootFs { root: root.into() }
    }

    /// The host's own file system.
    pub fn host() -> RootFs {
        RootFs::new("/")
    }

    fn map(&self, path: &Path) -> PathBuf {
        let mut mapped = self.root.clone();
        for component in path.components() {
            match component {
                Component::Normal(part) => mapped.push(part),
                // `..` is kept so that relative names behave as the user wrote them; the
                // root is a test convenience, not a sandbox.
                Component::ParentDir => mapped.push(".."),
                Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            }
        }
        mapped
    }

    fn unmap(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.root) {
            Ok(rest) => Path::new("/").join(rest),
            Err(_) => path.to_path_buf(),
        }
    }
}

impl Fs for RootFs {
    fn read(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
        let mapped = self.map(path);
        // Look before opening: opening a FIFO waits for a writer that may never come, and
        // a device can be endless. Only regular files are read.
        let meta = std::fs::metadata(&mapped)?;
        refuse_unless_regular(&meta)?;
        if meta.len() > cap {
            return Err(too_large(cap));
        }
        // Non-blocking, in case the path became a FIFO between the look and the open: the
        // open then returns at once instead of waiting. Regular files ignore the flag.
        let file = open_without_waiting(&mapped)?;
        let meta = file.metadata()?;
        refuse_unless_regular(&meta)?;
        if meta.len() > cap {
            return Err(too_large(cap));
        }
        let mut buf = Vec::new();
        // Files can grow between the metadata call and the read: read one byte more than
        // the cap to notice.
        file.take(cap + 1).read_to_end(&mut buf)?;
        if buf.len() as u64 > cap {
            return Err(too_large(cap));
        }
        Ok(buf)
    }

    fn exists(&self, path: &Path) -> bool {
        self.map(path).exists()
    }

    fn list(&self, dir: &Path, limit: usize) -> io::Result<Vec<PathBuf>> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(self.map(dir))? {
            let entry = entry?;
            entries.push(self.unmap(&entry.path()));
            if entries.len() >= limit {
                break;
            }
        }
        entries.sort();
        Ok(entries)
    }
}

fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than {cap} bytes"),
    )
}

/// An error naming what `meta` describes unless it is a regular file.
fn refuse_unless_regular(meta: &std::fs::Metadata) -> io::Result<()> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory, not a file",
        ));
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({})", special_kind(&kind)),
    ))
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_kind: &std::fs::FileType) -> &'static str {
    "a special file"
}

#[cfg(unix)]
fn open_without_waiting(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_waiting(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_under_the_root_and_caps_size() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/small"), "abc").unwrap();
        std::fs::write(dir.path().join("etc/big"), vec![b'x'; 100]).unwrap();
        let fs = RootFs::new(dir.path());
        assert_eq!(fs.read(Path::new("/etc/small"), 10).unwrap(), b"abc");
        let err = fs.read(Path::new("/etc/big"), 10).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert!(fs.exists(Path::new("/etc/small")));
        assert!(!fs.exists(Path::new("/etc/none")));
        let listed = fs.list(Path::new("/etc"), 10).unwrap();
        assert_eq!(
            listed,
            vec![PathBuf::from("/etc/big"), PathBuf::from("/etc/small")]
        );
    }

    #[test]
    fn fifos_and_devices_are_refused_without_opening_them() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Opening a FIFO with no writer blocks; the read runs on a thread so that a
        // regression fails this test instead of hanging it.
        let (tx, rx) = std::sync::mpsc::channel();
        let root = RootFs::new(dir.path());
        std::thread::spawn(move || {
            let _ = tx.send(root.read(Path::new("/pipe"), 1024));
        });
        let err = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("reading a FIFO blocked")
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains("not a regular file (a FIFO)"),
            "{err}"
        );
        let err = RootFs::host()
            .read(Path::new("/dev/null"), 1024)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("not a regular file (a character device)"),
            "{err}"
        );
        let err = RootFs::new(dir.path())
            .read(Path::new("/"), 1024)
            .unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
    }
}
