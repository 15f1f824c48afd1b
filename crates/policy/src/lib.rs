//! authdoctor-policy (being built).
