//! authdoctor-check (being built).
