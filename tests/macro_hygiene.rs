//! The generated code uses absolute paths and hygienic locals only: no prelude, and user items
//! named `core`, `Option`, `Some`, `Pin`, `Builder` or `body`, do not change what it means.

#![no_implicit_prelude]
#![allow(non_upper_case_globals, non_camel_case_types, dead_code)]
#![deny(warnings)]

// Needed without the prelude, though rustc's `unused_extern_crates` does not see the uses.
#[allow(unused_extern_crates)]
extern crate runner;
extern crate std;

mod core {}
struct Option;
struct Some;
struct None;
struct Pin;
struct Builder;
struct test;
fn run_test() {}
const body: u8 = 7;

#[runner::test(timeout = "10s", threads = 2, shutdown_grace = "1s")]
async fn works_without_the_prelude() -> ::std::result::Result<(), ::std::string::String> {
    ::std::assert_eq!(body, 7);
    let task = runner::spawn(async { 2 });
    ::std::assert_eq!(task.await, 2);
    ::std::result::Result::Ok(())
}

#[runner::test]
async fn unit_tests_too() {
    ::std::assert!(runner::Handle::current().is_debug());
}
