//! The documents that `explain`, `decode` and `simulate` produce, built once for every
//! front end: the CLI prints them, `authdoctor serve` answers them over HTTP and renders
//! them as pages. Reading files, flags and terminals stays with the callers.

pub mod decode;
pub mod explain;
pub mod simulate;
