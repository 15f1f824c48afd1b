//! authdoctor-imds (being built).
