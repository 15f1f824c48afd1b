//! authdoctor-report (being built).
