//! Shared helpers of the scan tests: where the real data sets are.

#![allow(dead_code)]

use std::path::PathBuf;

/// `shared/data/cloudtrail`: under `AUTHDOCTOR_SHARED_DIR` when set, else beside the
/// repository (CI's layout) or beside the worktree's parent (a helper's worktree under
/// `wt/`). `None` (the test returns, with a note) only when `AUTHDOCTOR_SKIP_SHARED` is
/// set, as `.ci/run` does when `../shared` is absent; otherwise a missing folder fails
/// with where it was looked for.
pub fn data_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut tried: Vec<PathBuf> = Vec::new();
    if let Some(shared) = std::env::var_os("AUTHDOCTOR_SHARED_DIR") {
        tried.push(PathBuf::from(shared).join("data/cloudtrail"));
    }
    for up in ["../../../shared", "../../../../shared"] {
        tried.push(manifest.join(up).join("data/cloudtrail"));
    }
    if let Some(dir) = tried.iter().find(|d| d.is_dir()) {
        return Some(dir.clone());
    }
    if std::env::var_os("AUTHDOCTOR_SKIP_SHARED").is_some() {
        eprintln!("note: skipped: the CloudTrail data sets (shared/data/cloudtrail) are absent");
        return None;
    }
    panic!(
        "the CloudTrail data sets are expected at shared/data/cloudtrail beside the repository \
         (looked in {tried:?}). Point AUTHDOCTOR_SHARED_DIR at the project's shared/ folder, or \
         set AUTHDOCTOR_SKIP_SHARED=1 to skip the tests that read them"
    )
}

pub fn invictus() -> Option<PathBuf> {
    data_dir().map(|d| d.join("invictus-aws-dataset"))
}

pub fn stratus() -> Option<PathBuf> {
    data_dir().map(|d| d.join("stratus-red-team-detonation-logs"))
}
