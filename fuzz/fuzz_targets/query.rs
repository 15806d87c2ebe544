//! libFuzzer driver of [`realty_fuzz::query`]; the checks live in the library
//! so that `crates/adapters-http/tests/fuzz_regressions.rs` replays them.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| realty_fuzz::query(data));
