//! The file-system seam: every file `check` reads (AWS config files, the SSO token cache,
//! the web identity token, chrony/NTP configs, container markers) goes through [`Fs`], so
//! tests point it at a temporary root instead of the real `/`.
//!
//! Reads are size-capped: a file larger than the cap is an error, never a large allocation.

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Read-only access to files by absolute path.
pub trait Fs: Send + Sync {
    /// Reads a whole file of at most `cap` bytes; larger files are an error
    /// (`io::ErrorKind::FileTooLarge`).
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
        let file = std::fs::File::open(self.map(path))?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        if meta.len() > cap {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("larger than {cap} bytes"),
            ));
        }
        let mut buf = Vec::new();
        // Files can grow between the metadata call and the read: read one byte more than
        // the cap to notice.
        file.take(cap + 1).read_to_end(&mut buf)?;
        if buf.len() as u64 > cap {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("larger than {cap} bytes"),
            ));
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
}
