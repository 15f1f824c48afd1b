//! authdoctor-explain (being built).
