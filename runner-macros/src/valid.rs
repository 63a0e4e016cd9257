//! Phase 2 of 3: check what the options and the function mean, and produce a [`Config`].
//!
//! Every check records its error and goes on, so the user sees all the mistakes at once.
//! Options that were fine still make it into the [`Config`]; bad ones fall back to the default.

use std::time::Duration;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Error, FnArg, LitBool, LitStr};

use crate::item::ItemFn;
use crate::options::{self, Args, Kind, push};

/// What the expansion needs, in plain types.
pub(crate) struct Config {
    /// The path of the `runner` crate: `::runner` unless `crate = "…"` says otherwise.
    pub(crate) krate: TokenStream,
    /// `Some` when the runner's debug mode is set explicitly; always `Some` for tests.
    pub(crate) debug: Option<bool>,
    pub(crate) threads: Option<usize>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) shutdown_grace: Option<Duration>,
    pub(crate) shutdown_timeout: Option<Duration>,
    /// `signals = […]`: the `runner::Signal` variants, in the order written.
    pub(crate) signals: Option<Vec<&'static str>>,
    /// `unhandled_panic = "…"`: the `TaskPanics` variant.
    pub(crate) task_panics: Option<&'static str>,
    /// `leftovers = "…"`: the `Leftovers` variant.
    pub(crate) leftovers: Option<&'static str>,
    /// `Some` when `tokio = …` was given: the setter call is spanned to the option, so that
    /// without runner's `tokio` feature the error points there.
    pub(crate) tokio: Option<LitBool>,
}

/// Checks the options; the error (if any) holds every mistake found.
pub(crate) fn config(kind: Kind, args: Args) -> (Config, Option<Error>) {
    let mut errors = None;
    let mut duration = |lit: Option<LitStr>, option: &str| {
        let lit = lit?;
        match parse_duration(&lit.value()) {
            Ok(d) if d.is_zero() && option == "timeout" => {
                let msg = "`timeout` must be longer than zero, as in `timeout = \"5s\"`";
                push(&mut errors, Error::new(lit.span(), msg));
                None
            }
            Ok(d) => Some(d),
            Err(msg) => {
                push(&mut errors, Error::new(lit.span(), msg));
                None
            }
        }
    };
    let timeout = duration(args.timeout, "timeout");
    let shutdown_grace = duration(args.shutdown_grace, "shutdown_grace");
    let shutdown_timeout = duration(args.shutdown_timeout, "shutdown_timeout");

    let mut choice = |lit: Option<LitStr>, key: &str| {
        let lit = lit?;
        let value = lit.value();
        let choices = options::choices(key);
        match choices.iter().position(|choice| *choice == value.trim()) {
            Some(index) => Some(variant(key, index)),
            None => {
                let msg = format!(
                    "`{key}` expects {}, not \"{value}\"",
                    options::quoted(choices)
                );
                push(&mut errors, Error::new(lit.span(), msg));
                None
            }
        }
    };
    let task_panics = choice(args.unhandled_panic, "unhandled_panic");
    let leftovers = choice(args.leftovers, "leftovers");

    let threads = args
        .threads
        .and_then(|lit| match lit.base10_parse::<usize>() {
            Ok(0) => {
                let msg = "`threads` must be at least 1: it counts the runner's own thread, \
                       so `threads = 1` runs everything on one thread";
                push(&mut errors, Error::new(lit.span(), msg));
                None
            }
            Ok(n) => Some(n),
            Err(_) => {
                let msg =
                    "`threads` must be a whole number that fits in `usize`, as in `threads = 4`";
                push(&mut errors, Error::new(lit.span(), msg));
                None
            }
        });

    let debug = match (kind, args.debug) {
        (_, Some(lit)) => Some(lit.value),
        // Tests run in debug mode unless told otherwise, like IsolatedAsyncioTestCase.
        (Kind::Test, None) => Some(true),
        (Kind::Main, None) => None,
    };

    let krate = match args.krate {
        Some(path) => path.into_token_stream(),
        None => quote!(::runner),
    };

    let signals = args.signals.map(|names| {
        names
            .iter()
            .map(|name| match name.to_string().as_str() {
                "SIGINT" => "Interrupt",
                // `options` accepted only the names of `SIGNALS`.
                _ => "Terminate",
            })
            .collect()
    });

    let config = Config {
        signals,
        krate,
        debug,
        threads,
        timeout,
        shutdown_grace,
        shutdown_timeout,
        task_panics,
        leftovers,
        tokio: args.tokio,
    };
    (config, errors)
}

/// The variant of `TaskPanics` or `Leftovers` for the `index`th of `options::choices(key)`.
fn variant(key: &str, index: usize) -> &'static str {
    let variants: &[&'static str] = match key {
        "unhandled_panic" => &["Fail", "Report", "Ignore"],
        _ => &["Deny", "Warn", "Allow"],
    };
    variants.get(index).copied().unwrap_or("Warn")
}

/// Checks that the function can be turned into an entry point or a test.
pub(crate) fn signature(kind: Kind, item: &ItemFn) -> Option<Error> {
    let sig = &item.sig;
    let mut errors = None;
    if sig.asyncness.is_none() {
        let msg = match kind {
            Kind::Main => {
                "the `async` keyword is missing from the function declaration: \
                 #[runner::main] runs an `async fn main()`"
            }
            Kind::Test => {
                "the `async` keyword is missing from the function declaration: \
                 #[runner::test] runs an `async fn`; use `#[test]` for a synchronous test"
            }
        };
        push(&mut errors, Error::new(sig.fn_token.span, msg));
    }
    if !sig.inputs.is_empty() {
        let msg = match (kind, sig.inputs.first()) {
            (_, Some(FnArg::Receiver(_))) => {
                "#[runner::main] and #[runner::test] cannot be used on methods: \
                 move the body into a free `async fn` without parameters"
            }
            (Kind::Main, _) => {
                "`main` cannot take parameters: remove them, and read command-line \
                 arguments with `std::env::args()`"
            }
            (Kind::Test, _) if item.attrs.iter().any(is_rstest) => {
                "`#[rstest]` must come before `#[runner::test]`: write `#[rstest]` above it, so \
                 that rstest turns each case into a test without parameters, which \
                 `#[runner::test]` then runs"
            }
            (Kind::Test, _) => {
                "test functions cannot take parameters: remove them, or give them values with \
                 `#[rstest]` written above `#[runner::test]`"
            }
        };
        push(&mut errors, Error::new_spanned(&sig.inputs, msg));
    }
    if let Some(variadic) = &sig.variadic {
        push(
            &mut errors,
            Error::new_spanned(variadic, "remove the `...` parameter"),
        );
    }
    if !sig.generics.params.is_empty() {
        let msg = format!(
            "{} cannot be used on a generic function: remove the generic parameters",
            kind.attr()
        );
        push(&mut errors, Error::new_spanned(&sig.generics.params, msg));
    }
    errors
}

/// Is this `#[rstest]` (or `#[rstest::rstest]`)?
fn is_rstest(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "rstest")
}

/// The units a duration may be written with, and their length in nanoseconds.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("min", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses `"500ms"`, `"5s"`, `"1.5s"`, `"2m"`, `"1h"`, `"250us"`, `"100ns"`.
///
/// The error is the whole message, ready for the user.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let help = "write a number followed by a unit (`ns`, `us`, `ms`, `s`, `m` or `h`), \
                as in \"500ms\" or \"1.5s\"";
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let unit = unit.trim_start();
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || (number.contains('.') && fraction.is_empty()) || fraction.contains('.') {
        return Err(format!("invalid duration \"{text}\": {help}"));
    }
    if unit.is_empty() {
        return Err(format!(
            "the duration \"{text}\" has no unit: write \"{number}s\" for seconds, \
             \"{number}ms\" for milliseconds (units: `ns`, `us`, `ms`, `s`, `m`, `h`)"
        ));
    }
    let Some(&(_, nanos_per_unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!(
            "unknown unit `{unit}` in the duration \"{text}\": use `ns`, `us`, `ms`, `s`, `m` or `h`"
        ));
    };
    let too_long = || format!("the duration \"{text}\" is too long");
    let whole: u128 = whole.parse().map_err(|_| too_long())?;
    let mut nanos = whole.checked_mul(nanos_per_unit).ok_or_else(too_long)?;
    if !fraction.is_empty() {
        // Digits beyond the 20th cannot matter for a unit of at most an hour (3.6e12 ns)
        // unless they are non-zero, in which case the value is finer than a nanosecond.
        let (kept, dropped) = fraction.split_at(fraction.len().min(20));
        let finer = || format!("the duration \"{text}\" is more precise than a nanosecond");
        if dropped.bytes().any(|b| b != b'0') {
            return Err(finer());
        }
        let numerator: u128 = kept.parse().map_err(|_| too_long())?;
        let scale = 10u128.pow(u32::try_from(kept.len()).unwrap_or(20));
        let scaled = numerator * nanos_per_unit;
        if scaled % scale != 0 {
            return Err(finer());
        }
        nanos = nanos.checked_add(scaled / scale).ok_or_else(too_long)?;
    }
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| too_long())?;
    let subsec = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    Ok(Duration::new(secs, subsec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ok = |s: &str| parse_duration(s).unwrap();
        assert_eq!(ok("500ms"), Duration::from_millis(500));
        assert_eq!(ok("5s"), Duration::from_secs(5));
        assert_eq!(ok(" 5 s "), Duration::from_secs(5));
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok("0.25ms"), Duration::from_micros(250));
        assert_eq!(ok("2m"), Duration::from_secs(120));
        assert_eq!(ok("2min"), Duration::from_secs(120));
        assert_eq!(ok("1h"), Duration::from_secs(3600));
        assert_eq!(ok("250us"), Duration::from_micros(250));
        assert_eq!(ok("250µs"), Duration::from_micros(250));
        assert_eq!(ok("100ns"), Duration::from_nanos(100));
        assert_eq!(ok("0s"), Duration::ZERO);
        assert_eq!(ok("1.000000000000000000000000s"), Duration::from_secs(1));
        assert_eq!(
            ok("5124095576030431h"),
            Duration::from_secs(5_124_095_576_030_431 * 3600)
        );
    }

    #[test]
    fn bad_durations() {
        let err = |s: &str| parse_duration(s).unwrap_err();
        assert!(err("5").contains("has no unit"));
        assert!(err("5sec").contains("unknown unit `sec`"));
        assert!(err("").contains("invalid duration"));
        assert!(err("s").contains("invalid duration"));
        assert!(err(".5s").contains("invalid duration"));
        assert!(err("5.s").contains("invalid duration"));
        assert!(err("1.2.3s").contains("invalid duration"));
        assert!(err("-1s").contains("invalid duration"));
        assert!(err("1.5ns").contains("more precise"));
        assert!(err("1.0000000000000000000001s").contains("more precise"));
        assert!(err("99999999999999999999999999999999999999999h").contains("too long"));
        assert!(err("5124095576030432h").contains("too long"));
    }
}
