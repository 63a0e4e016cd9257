// The generated code uses absolute paths and a hygienic local: user items named `core`,
// `std`, `runner`-like modules, `Option` or `body` do not change its meaning.
#![no_implicit_prelude]
#![allow(non_upper_case_globals, dead_code)]

extern crate runner;
extern crate std as the_std;

mod core {}
mod std {}
struct Option;
struct Builder;
fn run_main() {}
const body: u8 = 7;

#[runner::main(threads = 1, shutdown_grace = "1s")]
async fn main() {
    let from_outside = body;
    ::core::assert_eq!(from_outside, 7);
}
