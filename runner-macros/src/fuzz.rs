//! Property tests: arbitrary token streams never make the macros panic.
//!
//! A hand-rolled xorshift generator builds thousands of token streams from a vocabulary of
//! option names, literals of every kind, punctuation and nested groups (including the invisible
//! `None`-delimited groups that `macro_rules!` produces). They are fed to the options parser
//! and to the whole expansion, as arguments and as items. Every run must return (Ok or a
//! compile error), never panic; when the item is a function, its name must survive in the
//! output and the output must still parse as Rust items.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

use crate::expand::entry;
use crate::options::{self, Kind};

/// xorshift64*: small, deterministic, good enough to explore token streams.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Single tokens, as source text.
const ATOMS: &[&str] = &[
    // option names, right and wrong
    "debug",
    "threads",
    "timeout",
    "shutdown_grace",
    "shutdown_timeout",
    "tokio",
    "crate",
    "r#debug",
    "thread",
    "flavor",
    "worker_threads",
    "self",
    "super",
    "_",
    "main",
    "fn",
    "async",
    "unsafe",
    "const",
    "pub",
    "struct",
    "impl",
    "where",
    "move",
    "dyn",
    "Self",
    // values
    "true",
    "false",
    "0",
    "1",
    "4",
    "4usize",
    "0x10",
    "1_000",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "1.5",
    "1e9",
    "5s",
    "500ms",
    "1.5s",
    "-1",
    "'a'",
    "b'a'",
    "b\"5s\"",
    "c\"5s\"",
    "r\"5s\"",
    "r#\"5s\"#",
    "'static",
    "\"5s\"",
    "\"500ms\"",
    "\"1.5s\"",
    "\"0s\"",
    "\"0.000000001s\"",
    "\"1.0000000001ns\"",
    "\"99999999999999999999999999999999999999999h\"",
    "\"5\"",
    "\"5 sec\"",
    "\"\"",
    "\" \"",
    "\"µs\"",
    "\"4\"",
    "\"runner\"",
    "\"::runner\"",
    "\"my::runner\"",
    "\"not a path\"",
    "\"crate::x\"",
    "\"\\u{0}\"",
    // punctuation
    "=",
    "==",
    ",",
    ",",
    ",",
    ";",
    ":",
    "::",
    "#",
    "!",
    "?",
    ".",
    "..",
    "...",
    "->",
    "=>",
    "&",
    "*",
    "<",
    ">",
    "$",
    "@",
    "~",
];

/// Whole items, some right and some wrong, as source text.
const ITEMS: &[&str] = &[
    "async fn main() {}",
    "async fn main() -> Result<(), E> { f().await?; Ok(()) }",
    "pub(crate) async fn run_it() { #![allow(unused)] let x = 1; }",
    "#[should_panic] #[ignore] /// doc\n async fn t() { panic!() }",
    "#[test] async fn t() {}",
    "fn main() {}",
    "async fn main(x: u8) {}",
    "async fn main(self) {}",
    "async fn main<T>() {}",
    "async unsafe extern \"C\" fn f(...) {}",
    "const async fn f() {}",
    "async fn f() where T: Send {}",
    "async fn f() -> impl Sized {}",
    "async fn f() { this is { not rust } at all }",
    "struct S;",
    "mod m {}",
    "impl S { async fn f(&self) {} }",
    "",
];

/// A random token stream, up to `depth` levels of nested groups.
fn stream(rng: &mut Rng, depth: usize) -> TokenStream {
    let len = rng.below(8);
    let mut out = TokenStream::new();
    for _ in 0..len {
        if depth > 0 && rng.below(6) == 0 {
            let delimiter = rng.pick(&[
                Delimiter::Parenthesis,
                Delimiter::Brace,
                Delimiter::Bracket,
                Delimiter::None,
            ]);
            let inner = stream(rng, depth - 1);
            out.extend([TokenTree::Group(Group::new(delimiter, inner))]);
        } else {
            out.extend(tokens(rng.pick(ATOMS)));
        }
    }
    out
}

fn tokens(source: &str) -> TokenStream {
    source.parse().expect("the vocabulary is valid token text")
}

/// An item: a known one, a random stream, or a known one with random tokens spliced in.
fn item(rng: &mut Rng) -> TokenStream {
    match rng.below(3) {
        0 => tokens(rng.pick(ITEMS)),
        1 => stream(rng, 3),
        _ => {
            let mut trees: Vec<TokenTree> = tokens(rng.pick(ITEMS)).into_iter().collect();
            let at = rng.below(trees.len() + 1);
            let noise: Vec<TokenTree> = stream(rng, 2).into_iter().collect();
            trees.splice(at..at, noise);
            trees.into_iter().collect()
        }
    }
}

/// Runs `f` and fails the test with the input if it panics.
fn no_panic<T>(what: &str, input: &dyn std::fmt::Display, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(out) => out,
        Err(_) => panic!("{what} panicked on: {input}"),
    }
}

#[test]
fn the_options_parser_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let args = stream(&mut rng, 3);
        let kind = rng.pick(&[Kind::Main, Kind::Test]);
        no_panic("options::parse", &args, || {
            let (args, _errors) = options::parse(kind, args.clone());
            crate::valid::config(kind, args)
        });
    }
}

#[test]
fn the_expansion_never_panics_and_keeps_the_function() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut functions = 0;
    for _ in 0..10_000 {
        let args = stream(&mut rng, 2);
        let item = item(&mut rng);
        let kind = rng.pick(&[Kind::Main, Kind::Test]);
        let input = format!("#[{kind:?}({args})] {item}");
        let out = no_panic("expand::entry", &input, || {
            entry(kind, args.clone(), item.clone())
        });
        if let Ok(func) = syn::parse2::<syn::ItemFn>(item.clone()) {
            functions += 1;
            let name = func.sig.ident.to_string();
            let out_text = out.to_string();
            assert!(
                out_text.contains(&name),
                "`{name}` lost in the output of {input}:\n{out_text}"
            );
            if let Err(e) = syn::parse2::<syn::File>(out.clone()) {
                panic!("output of {input} is not valid Rust ({e}):\n{out_text}");
            }
        }
    }
    // Make sure the generator does produce functions, not only noise.
    assert!(functions > 1_000, "only {functions} functions generated");
}

#[test]
fn every_known_item_with_every_atom_as_arguments() {
    for item in ITEMS {
        for atom in ATOMS {
            for kind in [Kind::Main, Kind::Test] {
                let input = format!("#[{kind:?}({atom})] {item}");
                no_panic("expand::entry", &input, || {
                    entry(kind, tokens(atom), tokens(item))
                });
            }
        }
    }
}
