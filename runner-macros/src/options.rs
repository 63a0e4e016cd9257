//! Phase 1 of 3: read the attribute's arguments (`debug, threads = 4, …`) into [`Args`].
//!
//! This phase checks the *shape* of each option: that its name is known for this attribute,
//! that it is given at most once, and that its value has the right type (a boolean, an integer
//! literal, a string). What the values *mean* (`threads = 0`, an unparsable duration) is
//! checked by [`crate::valid`].

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Error, Ident, Lit, LitBool, LitInt, LitStr, Path, Result, Token};

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[runner::main]`
    Main,
    /// `#[runner::test]`
    Test,
}

impl Kind {
    /// The attribute as users write it, for messages.
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Kind::Main => "#[runner::main]",
            Kind::Test => "#[runner::test]",
        }
    }

    /// The options this attribute accepts, as they are written, for messages: "`debug`, …,
    /// `threads = N` and `crate = \"…\"`".
    fn accepted(self) -> String {
        let written: Vec<&str> = self.options().map(|option| option.written).collect();
        match written.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// The names of the options this attribute accepts.
    fn names(self) -> impl Iterator<Item = &'static str> {
        self.options().map(|option| option.name)
    }

    fn options(self) -> impl Iterator<Item = &'static OptionDoc> {
        OPTIONS.iter().filter(move |option| match self {
            Kind::Main => option.on_main,
            Kind::Test => option.on_test,
        })
    }
}

/// One option, as messages describe it.
pub(crate) struct OptionDoc {
    /// The name: `threads`.
    pub(crate) name: &'static str,
    /// How it is written: `` `threads = N` ``.
    written: &'static str,
    /// Whether `#[runner::main]` takes it.
    on_main: bool,
    /// Whether `#[runner::test]` takes it.
    on_test: bool,
}

/// Every option, in the order messages list them: the one list that the parser, its messages
/// and the fuzz tests read.
pub(crate) const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        name: "debug",
        written: "`debug`, `debug = true|false`",
        on_main: true,
        on_test: true,
    },
    OptionDoc {
        name: "threads",
        written: "`threads = N`",
        on_main: true,
        on_test: true,
    },
    OptionDoc {
        name: "timeout",
        written: "`timeout = \"…\"`",
        on_main: false,
        on_test: true,
    },
    OptionDoc {
        name: "unhandled_panic",
        written: "`unhandled_panic = \"fail|report|ignore\"`",
        on_main: false,
        on_test: true,
    },
    OptionDoc {
        name: "leftovers",
        written: "`leftovers = \"deny|warn|allow\"`",
        on_main: false,
        on_test: true,
    },
    OptionDoc {
        name: "shutdown_grace",
        written: "`shutdown_grace = \"…\"`",
        on_main: true,
        on_test: true,
    },
    OptionDoc {
        name: "shutdown_timeout",
        written: "`shutdown_timeout = \"…\"`",
        on_main: true,
        on_test: true,
    },
    OptionDoc {
        name: "signals",
        written: "`signals = [SIGINT, SIGTERM]`",
        on_main: true,
        on_test: false,
    },
    OptionDoc {
        name: "tokio",
        written: "`tokio = true|false`",
        on_main: true,
        on_test: true,
    },
    OptionDoc {
        name: "crate",
        written: "`crate = \"…\"`",
        on_main: true,
        on_test: true,
    },
];

/// The options as written, before validation. Each field is `None` when the option is absent.
#[derive(Default)]
pub(crate) struct Args {
    /// `debug` or `debug = true|false`.
    pub(crate) debug: Option<LitBool>,
    /// `threads = N`.
    pub(crate) threads: Option<LitInt>,
    /// `timeout = "…"` (`#[runner::test]` only).
    pub(crate) timeout: Option<LitStr>,
    /// `unhandled_panic = "fail|report|ignore"` (`#[runner::test]` only).
    pub(crate) unhandled_panic: Option<LitStr>,
    /// `leftovers = "deny|warn|allow"` (`#[runner::test]` only).
    pub(crate) leftovers: Option<LitStr>,
    /// `shutdown_grace = "…"`.
    pub(crate) shutdown_grace: Option<LitStr>,
    /// `shutdown_timeout = "…"`.
    pub(crate) shutdown_timeout: Option<LitStr>,
    /// `signals = [SIGINT, SIGTERM]` (`#[runner::main]` only): the signals' names, checked.
    pub(crate) signals: Option<Vec<Ident>>,
    /// `tokio` or `tokio = true|false` (`Builder::tokio`, with runner's `tokio` feature).
    pub(crate) tokio: Option<LitBool>,
    /// `crate = "…"`.
    pub(crate) krate: Option<Path>,
}

/// A value after `=`, classified just enough to give a precise message when its type is wrong.
enum Value {
    /// A literal: `true`, `4`, `"5s"`, `5s` (an integer with a suffix), …
    Lit(Lit),
    /// A bare path such as `runner` or `my::runner`.
    Path(Path),
    /// Anything else, kept for its span.
    Other(TokenStream),
}

impl Value {
    /// An error spanning the whole value (a range of tokens, even on stable Rust).
    fn error(&self, message: impl std::fmt::Display) -> Error {
        match self {
            Value::Lit(lit) => Error::new(lit.span(), message),
            Value::Path(path) => Error::new_spanned(path, message),
            Value::Other(tokens) => Error::new_spanned(tokens, message),
        }
    }
}

/// The signals `signals = […]` accepts.
pub(crate) const SIGNALS: &[&str] = &["SIGINT", "SIGTERM"];

/// Parses the arguments of `kind`'s attribute.
///
/// Parsing does not stop at the first bad option: it skips to the next `,` and goes on, so one
/// compile shows every mistake, and the options that were fine still take effect in the code
/// emitted beside the errors. The second value is `None` when there was no mistake.
pub(crate) fn parse(kind: Kind, args: TokenStream) -> (Args, Option<Error>) {
    let mut out = Args::default();
    let mut errors: Option<Error> = None;
    let parser = |input: ParseStream<'_>| -> Result<()> {
        while !input.is_empty() {
            if let Err(e) = out.parse_one(kind, input) {
                push(&mut errors, e);
                skip_to_comma(input)?;
            }
            if input.is_empty() {
                break;
            }
            if !input.peek(Token![,]) {
                push(&mut errors, input.error("expected `,` between options"));
                skip_to_comma(input)?;
                if input.is_empty() {
                    break;
                }
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(args) {
        push(&mut errors, e);
    }
    (out, errors)
}

/// Adds `error` to the errors found so far.
pub(crate) fn push(errors: &mut Option<Error>, error: Error) {
    match errors {
        Some(errors) => errors.combine(error),
        None => *errors = Some(error),
    }
}

/// Skips the rest of a bad option, up to (not including) the next top-level `,`.
fn skip_to_comma(input: ParseStream<'_>) -> Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

impl Args {
    /// Parses one `name` or `name = value` and stores it.
    fn parse_one(&mut self, kind: Kind, input: ParseStream<'_>) -> Result<()> {
        if !input.peek(Ident::peek_any) {
            return Err(input.error(format_args!(
                "expected an option name; {} accepts {}",
                kind.attr(),
                kind.accepted()
            )));
        }
        let name = input.call(Ident::parse_any)?;
        let key = name.unraw().to_string();

        let value = if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            Some(parse_value(input, eq.span)?)
        } else if input.is_empty() || input.peek(Token![,]) {
            None
        } else {
            return Err(input.error(format_args!("expected `=` or `,` after `{key}`")));
        };

        if !kind.names().any(|name| name == key) {
            return Err(unknown_option(kind, &name, &key));
        }

        match key.as_str() {
            "debug" | "tokio" => {
                let lit = match value {
                    None => LitBool::new(true, name.span()),
                    Some(Value::Lit(Lit::Bool(lit))) => lit,
                    Some(other) => {
                        return Err(other.error(format_args!(
                            "`{key}` expects `true` or `false`, as in `{key} = false`; \
                             a bare `{key}` means `{key} = true`"
                        )));
                    }
                };
                let slot = match key.as_str() {
                    "debug" => &mut self.debug,
                    _ => &mut self.tokio,
                };
                set(slot, lit, &name)
            }
            "signals" => {
                let example = "`signals = [SIGINT, SIGTERM]`, or `signals = []` for none";
                let group = match value {
                    Some(Value::Other(tokens)) => {
                        match tokens.clone().into_iter().collect::<Vec<_>>()[..] {
                            [TokenTree::Group(ref group)]
                                if group.delimiter() == proc_macro2::Delimiter::Bracket =>
                            {
                                group.clone()
                            }
                            _ => {
                                return Err(Value::Other(tokens).error(format_args!(
                                "`signals` expects a list of signal names in brackets, as in {example}"
                            )));
                            }
                        }
                    }
                    None => return Err(needs_value(&name, "signals = [SIGTERM]")),
                    Some(other) => {
                        return Err(other.error(format_args!(
                            "`signals` expects a list of signal names in brackets, as in {example}"
                        )));
                    }
                };
                let names = syn::punctuated::Punctuated::<Ident, Token![,]>::parse_terminated
                    .parse2(group.stream())
                    .map_err(|_| {
                        Error::new(
                            group.span(),
                            format_args!("`signals` expects signal names separated by commas, as in {example}"),
                        )
                    })?;
                let mut seen: Vec<Ident> = Vec::new();
                let mut errors = None;
                for signal in names {
                    let text = signal.to_string();
                    if !SIGNALS.contains(&text.as_str()) {
                        let upper = text.to_ascii_uppercase();
                        let hint = match SIGNALS
                            .iter()
                            .find(|known| **known == upper || known[3..] == upper)
                        {
                            Some(known) => format!("; did you mean `{known}`?"),
                            None => String::new(),
                        };
                        push(
                            &mut errors,
                            Error::new(
                                signal.span(),
                                format_args!(
                                    "unknown signal `{text}`{hint}\n`signals` accepts `SIGINT` \
                                     (Ctrl-C) and `SIGTERM`"
                                ),
                            ),
                        );
                    } else if seen.contains(&signal) {
                        push(
                            &mut errors,
                            Error::new(signal.span(), format_args!("`{text}` is listed twice")),
                        );
                    } else {
                        seen.push(signal);
                    }
                }
                if let Some(errors) = errors {
                    return Err(errors);
                }
                set(&mut self.signals, seen, &name)
            }
            "threads" => {
                let lit = match value {
                    Some(Value::Lit(Lit::Int(lit))) => lit,
                    None => return Err(needs_value(&name, "threads = 4")),
                    Some(Value::Lit(Lit::Str(s))) if s.value().trim().parse::<u64>().is_ok() => {
                        return Err(Error::new(
                            s.span(),
                            format_args!(
                                "`threads` expects an integer, not a string: write `threads = {}`",
                                s.value().trim()
                            ),
                        ));
                    }
                    Some(other) => {
                        return Err(other
                            .error("`threads` expects an integer literal, as in `threads = 4`"));
                    }
                };
                set(&mut self.threads, lit, &name)
            }
            "timeout" | "shutdown_grace" | "shutdown_timeout" => {
                let example = format!("{key} = \"5s\"");
                let lit = match value {
                    Some(Value::Lit(Lit::Str(lit))) => lit,
                    None => return Err(needs_value(&name, &example)),
                    Some(Value::Lit(Lit::Int(lit))) if !lit.suffix().is_empty() => {
                        return Err(duration_not_string(&key, lit.span(), &lit.to_string()));
                    }
                    Some(Value::Lit(Lit::Float(lit))) if !lit.suffix().is_empty() => {
                        return Err(duration_not_string(&key, lit.span(), &lit.to_string()));
                    }
                    Some(other) => {
                        return Err(other.error(format_args!(
                            "`{key}` expects a duration string with a unit, as in `{example}` \
                                 or `{key} = \"500ms\"`"
                        )));
                    }
                };
                let slot = match key.as_str() {
                    "timeout" => &mut self.timeout,
                    "shutdown_grace" => &mut self.shutdown_grace,
                    _ => &mut self.shutdown_timeout,
                };
                set(slot, lit, &name)
            }
            "unhandled_panic" | "leftovers" => {
                let choices = choices(&key);
                let example = match key.as_str() {
                    "leftovers" => "leftovers = \"deny\"",
                    _ => "unhandled_panic = \"report\"",
                };
                let lit = match value {
                    Some(Value::Lit(Lit::Str(lit))) => lit,
                    None => return Err(needs_value(&name, example)),
                    Some(Value::Path(path)) if path.get_ident().is_some() => {
                        let word = path
                            .get_ident()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        return Err(Error::new_spanned(
                            path,
                            format_args!("`{key}` expects a string: write `{key} = \"{word}\"`"),
                        ));
                    }
                    Some(other) => {
                        return Err(other.error(format_args!(
                            "`{key}` expects one of {}, as in `{example}`",
                            quoted(choices)
                        )));
                    }
                };
                let slot = match key.as_str() {
                    "unhandled_panic" => &mut self.unhandled_panic,
                    _ => &mut self.leftovers,
                };
                set(slot, lit, &name)
            }
            "crate" => {
                let path = match value {
                    Some(Value::Lit(Lit::Str(lit))) => lit.parse::<Path>().map_err(|_| {
                        Error::new(
                            lit.span(),
                            "`crate` expects the path of the `runner` crate, \
                             as in `crate = \"runner\"` or `crate = \"my_crate::runner\"`",
                        )
                    })?,
                    Some(Value::Path(path)) => path,
                    None => return Err(needs_value(&name, "crate = \"my_crate::runner\"")),
                    Some(other) => {
                        return Err(other.error(
                            "`crate` expects the path of the `runner` crate as a string, \
                             as in `crate = \"my_crate::runner\"`",
                        ));
                    }
                };
                set(&mut self.krate, path, &name)
            }
            // `kind.names()` was checked above; this arm is never reached, but an error is a
            // better answer than a panic if the two lists ever disagree.
            _ => Err(unknown_option(kind, &name, &key)),
        }
    }
}

/// Reads the tokens of a value, up to the next top-level `,`.
fn parse_value(input: ParseStream<'_>, eq_span: Span) -> Result<Value> {
    let tokens = input.step(|cursor| {
        let mut rest = *cursor;
        let mut tokens = TokenStream::new();
        while let Some((tt, next)) = rest.token_tree() {
            if let TokenTree::Punct(p) = &tt {
                if p.as_char() == ',' {
                    break;
                }
            }
            tokens.extend([tt]);
            rest = next;
        }
        Ok((tokens, rest))
    })?;
    if tokens.is_empty() {
        return Err(Error::new(eq_span, "expected a value after `=`"));
    }
    if let Ok(lit) = syn::parse2::<Lit>(tokens.clone()) {
        return Ok(Value::Lit(lit));
    }
    if let Ok(path) = syn::parse2::<Path>(tokens.clone()) {
        return Ok(Value::Path(path));
    }
    Ok(Value::Other(tokens))
}

/// Stores `value` in `slot`, unless the option was already given.
fn set<T>(slot: &mut Option<T>, value: T, name: &Ident) -> Result<()> {
    if slot.is_some() {
        let name = name.unraw();
        return Err(Error::new(
            name.span(),
            format_args!("duplicate option `{name}`: it is already set earlier in this attribute"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// The values a string option accepts, in the order documented.
pub(crate) fn choices(key: &str) -> &'static [&'static str] {
    match key {
        "unhandled_panic" => &["fail", "report", "ignore"],
        _ => &["deny", "warn", "allow"],
    }
}

/// `"a"`, `"b"` or `"c"`.
pub(crate) fn quoted(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices
        .iter()
        .map(|choice| format!("`\"{choice}\"`"))
        .collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

fn needs_value(name: &Ident, example: &str) -> Error {
    let name = name.unraw();
    Error::new(
        name.span(),
        format_args!("`{name}` needs a value, as in `{example}`"),
    )
}

fn duration_not_string(key: &str, span: Span, written: &str) -> Error {
    Error::new(
        span,
        format_args!("durations are written as strings: `{key} = \"{written}\"`"),
    )
}

fn unknown_option(kind: Kind, name: &Ident, key: &str) -> Error {
    let hint = if ["timeout", "unhandled_panic", "leftovers"].contains(&key) && kind == Kind::Main {
        format!("; `{key}` is only available on `#[runner::test]`")
    } else if key == "signals" && kind == Kind::Test {
        "; `signals` is only available on `#[runner::main]`: a test never handles signals"
            .to_owned()
    } else if let Some(close) = closest(kind.names(), key) {
        format!("; did you mean `{close}`?")
    } else {
        String::new()
    };
    Error::new(
        name.span(),
        format_args!(
            "unknown option `{key}`{hint}\n{} accepts {}",
            kind.attr(),
            kind.accepted()
        ),
    )
}

/// The accepted name closest to `key`, if it is close enough to be a likely typo.
fn closest(names: impl Iterator<Item = &'static str>, key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    names
        .map(|name| {
            let contains = key.len() >= 4 && (key.contains(name) || name.contains(key.as_str()));
            let distance = if contains {
                1
            } else {
                edit_distance(name, &key)
            };
            (distance, name)
        })
        .filter(|&(distance, name)| distance <= 2.max(name.len() / 4))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur.push(substitute.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn ok(kind: Kind, args: TokenStream) -> Args {
        match parse(kind, args) {
            (args, None) => args,
            (_, Some(e)) => panic!("unexpected error: {e}"),
        }
    }

    fn err(kind: Kind, args: TokenStream) -> String {
        match parse(kind, args) {
            (_, None) => panic!("expected an error"),
            (_, Some(e)) => e.to_string(),
        }
    }

    #[test]
    fn accepts_every_option() {
        let args = ok(
            Kind::Test,
            quote!(
                debug = false,
                threads = 4,
                timeout = "1s",
                shutdown_grace = "2s",
                shutdown_timeout = "3s",
                crate = "my::runner",
            ),
        );
        assert!(!args.debug.unwrap().value);
        assert_eq!(args.threads.unwrap().base10_digits(), "4");
        assert_eq!(args.timeout.unwrap().value(), "1s");
        assert_eq!(args.shutdown_grace.unwrap().value(), "2s");
        assert_eq!(args.shutdown_timeout.unwrap().value(), "3s");
        assert_eq!(args.krate.unwrap().segments.len(), 2);
    }

    #[test]
    fn bare_debug_is_true_and_crate_may_be_a_bare_path() {
        let args = ok(Kind::Main, quote!(debug, crate = my_runner));
        assert!(args.debug.unwrap().value);
        assert!(args.krate.unwrap().is_ident("my_runner"));
    }

    #[test]
    fn empty_is_fine() {
        let args = ok(Kind::Main, TokenStream::new());
        assert!(args.debug.is_none() && args.threads.is_none() && args.krate.is_none());
    }

    #[test]
    fn messages() {
        assert!(err(Kind::Main, quote!(thread = 4)).contains("did you mean `threads`?"));
        assert!(err(Kind::Main, quote!(worker_threads = 4)).contains("did you mean `threads`?"));
        assert!(err(Kind::Main, quote!(flavor = "x")).starts_with("unknown option `flavor`\n"));
        assert!(err(Kind::Main, quote!(timeout = "1s")).contains("only available on"));
        assert!(err(Kind::Main, quote!(debug, debug)).contains("duplicate option `debug`"));
        assert!(err(Kind::Main, quote!(debug = "yes")).contains("`true` or `false`"));
        assert!(err(Kind::Main, quote!(threads = "4")).contains("write `threads = 4`"));
        assert!(err(Kind::Main, quote!(threads = four)).contains("integer literal"));
        assert!(err(Kind::Main, quote!(threads)).contains("needs a value"));
        assert!(err(Kind::Test, quote!(timeout = 5s)).contains("`timeout = \"5s\"`"));
        assert!(err(Kind::Test, quote!(timeout = 1.5s)).contains("`timeout = \"1.5s\"`"));
        assert!(err(Kind::Test, quote!(timeout = 5)).contains("duration string"));
        assert!(err(Kind::Main, quote!(crate = "not a path")).contains("path of the `runner`"));
        assert!(err(Kind::Main, quote!(debug(true))).contains("expected `=` or `,`"));
        assert!(err(Kind::Main, quote!(threads =)).contains("expected a value"));
        assert!(err(Kind::Main, quote!(debug threads)).contains("expected `=` or `,`"));
        assert!(err(Kind::Main, quote!("debug")).contains("expected an option name"));
    }

    #[test]
    fn keeps_good_options_and_reports_every_bad_one() {
        let (args, errors) = parse(Kind::Main, quote!(thread = 4, crate = "x", debug = 1));
        assert!(args.krate.unwrap().is_ident("x"));
        assert!(args.debug.is_none());
        assert_eq!(errors.unwrap().into_iter().count(), 2);
    }

    #[test]
    fn edit_distance_works() {
        assert_eq!(edit_distance("threads", "threads"), 0);
        assert_eq!(edit_distance("threads", "thread"), 1);
        assert_eq!(edit_distance("debug", "degub"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
