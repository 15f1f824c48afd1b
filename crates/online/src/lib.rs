//! authdoctor-online (being built).
