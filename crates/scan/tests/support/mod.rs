//! Shared helpers of the scan tests: where the real data sets are.

#![allow(dead_code)]

use std::path::PathBuf;

/// `shared/data/cloudtrail` beside the repository (CI's layout), or beside the
/// worktree's parent (a helper's worktree under `wt/`).
pub fn data_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for up in ["../../../shared", "../../../../shared"] {
        let dir = manifest.join(up).join("data/cloudtrail");
        if dir.is_dir() {
            return dir;
        }
    }
    panic!(
        "the CloudTrail data sets are expected at shared/data/cloudtrail beside the repository ({})",
        manifest.display()
    )
}

pub fn invictus() -> PathBuf {
    data_dir().join("invictus-aws-dataset")
}

pub fn stratus() -> PathBuf {
    data_dir().join("stratus-red-team-detonation-logs")
}
