//! Benchmarks live in `benches/`; see BENCHMARKS.md.
#![forbid(unsafe_code)]
