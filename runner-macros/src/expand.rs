//! Phase 3 of 3: write the synchronous function that runs the `async` body.
//!
//! For `#[runner::main(threads = 2)] async fn main() -> R { body }`:
//!
//! ```text
//! fn main() -> R {
//!     let __runner_body = async move {
//!         if false {
//!             return ::core::option::Option::<R>::None.unwrap();
//!         }
//!         body
//!     };
//!     ::runner::__private::run_main(::runner::Builder::new().threads(2usize), __runner_body)
//! }
//! ```
//!
//! For `#[runner::test(timeout = "1s", leftovers = "deny")] async fn t() -> R { body }`:
//!
//! ```text
//! #[::core::prelude::v1::test]
//! fn t() -> R {
//!     ::runner::__private::run_test_with_timeout(
//!         ::runner::Builder::new().debug(true),
//!         ::runner::__private::TestOptions::new(::core::module_path!(), "t")
//!             .timeout(::core::time::Duration::new(1u64, 0u32))
//!             .leftovers(::runner::__private::Leftovers::Deny),
//!         || -> ::runner::__private::Body<R> {
//!             ::runner::__private::body(async move {
//!                 if false {
//!                     return ::core::option::Option::<R>::None.unwrap();
//!                 }
//!                 body
//!             })
//!         },
//!     )
//! }
//! ```
//!
//! Without `timeout` it calls `run_test`, on the test's thread. The body is made by a
//! closure without captures (a test takes no parameters), which coerces to a `fn` pointer:
//! with `timeout`, it is called on the runner's own thread, so the body need not be `Send`.
//!
//! The body keeps its own spans, so errors in it point at the user's lines; the call to
//! `run_main`/`run_test` is spanned on the body's closing brace. The local is hygienic
//! (`Span::mixed_site`): the body cannot see it. Its name is unusual too, because a
//! user's `const body` would turn `let body = …` into a pattern match (constants are resolved
//! at the call site even for hygienic identifiers).

use std::time::Duration;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{Attribute, Error, FnArg, ReturnType, Type};

use crate::item::{self, ItemFn};
use crate::options::{self, Kind, push};
use crate::valid::{self, Config};

/// The whole macro: arguments and item in, code out. Never panics; on any mistake the
/// output holds `compile_error!`s and the function (expanded if possible, else unchanged).
pub(crate) fn entry(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func = match item::parse(kind, item.clone()) {
        Ok(func) => func,
        // Not a function: give the item back untouched, with the error beside it.
        Err(error) => return with_error(item, error),
    };

    let (args, mut errors) = options::parse(kind, args);
    let (config, config_errors) = valid::config(kind, args);
    if let Some(e) = config_errors {
        push(&mut errors, e);
    }

    match valid::signature(kind, &func) {
        // The function can be expanded: do so even when some option was wrong (that option
        // falls back to its default), so the program has a `main` and no second error shows.
        None => {
            let expanded = function(kind, &config, func);
            match errors {
                None => expanded,
                Some(e) => with_error(expanded, e),
            }
        }
        // The function itself is wrong: emit it as the user wrote it, so completion in an
        // editor keeps working, and say what to change. `async fn main(args: …)` is the
        // exception: as written, rustc would add "`main` function is not allowed to be
        // `async`" to our message, so its body goes into a closure that takes the parameters.
        Some(sig_errors) => {
            push(&mut errors, sig_errors);
            let fallback = if kind == Kind::Main && only_parameters_are_wrong(&func) {
                parameters_in_a_closure(func)
            } else {
                quote!(#[allow(dead_code)] #item)
            };
            match errors {
                Some(e) => with_error(fallback, e),
                None => fallback,
            }
        }
    }
}

/// An `async fn` whose only fault is to take (non-`self`) parameters.
fn only_parameters_are_wrong(func: &ItemFn) -> bool {
    let sig = &func.sig;
    sig.asyncness.is_some()
        && sig.generics.params.is_empty()
        && sig.variadic.is_none()
        && sig.inputs.iter().all(|arg| matches!(arg, FnArg::Typed(_)))
}

/// `fn main() -> R { let _ = |params| async move { body }; unreachable!() }`: no parameters,
/// not `async`, and the body is still type-checked (and completed by editors) in context.
fn parameters_in_a_closure(func: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        mut sig,
        body,
    } = func;
    sig.asyncness = None;
    let params = std::mem::take(&mut sig.inputs);
    let (inner_attrs, body) = split_inner_attributes(&body);
    quote! {
        #(#attrs)*
        #(#inner_attrs)*
        #[allow(dead_code)]
        #vis #sig {
            let _ = |#params| async move #body;
            ::core::unreachable!()
        }
    }
}

/// `tokens` followed by one `compile_error!` per error.
fn with_error(mut tokens: TokenStream, error: Error) -> TokenStream {
    tokens.extend(error.into_compile_error());
    tokens
}

/// Expands a function that passed validation.
fn function(kind: Kind, config: &Config, func: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        mut sig,
        body,
    } = func;
    sig.asyncness = None;
    let (inner_attrs, body) = split_inner_attributes(&body);
    let krate = &config.krate;
    let builder = builder(config);
    let local = Ident::new("__runner_body", Span::mixed_site());

    // The body becomes an `async` block whose output type is stated before the body, by a
    // `return` that never runs: the body is then checked against the return type as a
    // function body would be (a body that ends with the wrong value is reported inside the
    // function, not on the attribute; `?` and `return` know what they return), and a body
    // that ends by diverging (`panic!`) leaves no unreachable code behind it. The block keeps
    // the body's braces and span.
    let output = match &sig.output {
        ReturnType::Default => Some(quote!(())),
        // `impl Trait` cannot be named there, and `!` is not a type argument on stable.
        ReturnType::Type(_, ty) if matches!(**ty, Type::ImplTrait(_) | Type::Never(_)) => None,
        ReturnType::Type(_, ty) => Some(ty.to_token_stream()),
    };
    let body = match &output {
        None => body,
        Some(output) => {
            let mut stream = quote! {
                if false {
                    return ::core::option::Option::<#output>::None.unwrap();
                }
            };
            stream.extend(body.stream());
            let mut typed = Group::new(Delimiter::Brace, stream);
            typed.set_span(body.span());
            typed
        }
    };
    // The call takes the closing brace's span, so what goes wrong there points at the end of
    // the user's function.
    let end = body.span_close();

    match kind {
        Kind::Main => {
            let future = quote!(let #local = async move #body;);
            let run = quote_spanned!(end=> #krate::__private::run_main(#builder, #local));
            quote! {
                #(#attrs)*
                #(#inner_attrs)*
                #vis #sig {
                    #future
                    #run
                }
            }
        }
        Kind::Test => {
            // tokio's rule: a `#[test]` the user wrote is kept and not doubled.
            let test_attr = if attrs.iter().any(is_test_attribute) {
                TokenStream::new()
            } else {
                quote!(#[::core::prelude::v1::test])
            };
            let output = output.unwrap_or_else(|| match &sig.output {
                ReturnType::Default => quote!(()),
                ReturnType::Type(_, ty) => ty.to_token_stream(),
            });
            let name = sig.ident.unraw().to_string();
            let mut options = quote!(
                #krate::__private::TestOptions::new(::core::module_path!(), #name)
            );
            if let Some(timeout) = config.timeout {
                let timeout = duration(timeout);
                options.extend(quote!(.timeout(#timeout)));
            }
            if let Some(variant) = config.task_panics {
                let variant = Ident::new(variant, Span::call_site());
                options.extend(quote!(.task_panics(#krate::__private::TaskPanics::#variant)));
            }
            if let Some(variant) = config.leftovers {
                let variant = Ident::new(variant, Span::call_site());
                options.extend(quote!(.leftovers(#krate::__private::Leftovers::#variant)));
            }
            // With a timeout the runner runs on a thread of its own (see `run_test_with_timeout`):
            // the body is made there, by a function without captures, so it may be `!Send`.
            // Boxed behind `dyn Future`, every test of a crate shares one instance per output
            // type, and the body's output type is stated up front.
            let run_test = if config.timeout.is_some() {
                quote!(run_test_with_timeout)
            } else {
                quote!(run_test)
            };
            let run = quote_spanned! {end=>
                #krate::__private::#run_test(
                    #builder,
                    #options,
                    || -> #krate::__private::Body<#output> {
                        #krate::__private::body(async move #body)
                    },
                )
            };
            quote! {
                #test_attr
                #(#attrs)*
                #(#inner_attrs)*
                #vis #sig {
                    #run
                }
            }
        }
    }
}

/// `Builder::new()` followed by one setter per option given (and `.debug(…)` always for tests).
fn builder(config: &Config) -> TokenStream {
    let krate = &config.krate;
    let mut builder = quote!(#krate::Builder::new());
    if let Some(debug) = config.debug {
        builder.extend(quote!(.debug(#debug)));
    }
    if let Some(threads) = config.threads {
        let threads = Literal::usize_suffixed(threads);
        builder.extend(quote!(.threads(#threads)));
    }
    if let Some(grace) = config.shutdown_grace {
        let grace = duration(grace);
        builder.extend(quote!(.shutdown_grace(#grace)));
    }
    if let Some(timeout) = config.shutdown_timeout {
        let timeout = duration(timeout);
        builder.extend(quote!(.shutdown_timeout(#timeout)));
    }
    if let Some(signals) = &config.signals {
        let signals = signals
            .iter()
            .map(|variant| Ident::new(variant, Span::call_site()));
        builder.extend(quote!(.handle_signals([#(#krate::Signal::#signals),*])));
    }
    if let Some(tokio) = &config.tokio {
        let value = tokio.value;
        builder.extend(quote_spanned!(tokio.span()=> .tokio(#value)));
    }
    builder
}

/// `Duration::new(secs, nanos)`: exact for any duration, and usable in `const` contexts.
fn duration(duration: Duration) -> TokenStream {
    let secs = Literal::u64_suffixed(duration.as_secs());
    let nanos = Literal::u32_suffixed(duration.subsec_nanos());
    quote!(::core::time::Duration::new(#secs, #nanos))
}

/// Is this `#[test]` (or a full path to the built-in test attribute)?
fn is_test_attribute(attr: &Attribute) -> bool {
    let path = attr.path();
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.as_slice() {
        [test] => path.leading_colon.is_none() && test == "test",
        [krate, prelude, _, test] => {
            (krate == "core" || krate == "std") && prelude == "prelude" && test == "test"
        }
        _ => false,
    }
}

/// Moves `#![…]` at the start of the body out of it: inner attributes are not allowed on an
/// `async` block, and on the generated function they mean what the user meant.
fn split_inner_attributes(body: &Group) -> (Vec<TokenStream>, Group) {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let mut attrs = Vec::new();
    let mut rest = tokens.as_slice();
    while let [
        TokenTree::Punct(pound),
        TokenTree::Punct(bang),
        TokenTree::Group(group),
        tail @ ..,
    ] = rest
    {
        if pound.as_char() != '#'
            || bang.as_char() != '!'
            || group.delimiter() != Delimiter::Bracket
        {
            break;
        }
        let mut pound = Punct::new('#', Spacing::Alone);
        pound.set_span(bang.span());
        attrs.push(quote!(#pound #group));
        rest = tail;
    }
    if attrs.is_empty() {
        return (attrs, body.clone());
    }
    let mut group = Group::new(Delimiter::Brace, rest.iter().cloned().collect());
    group.set_span(body.span());
    (attrs, group)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expansion of `#[runner::main(args)] async fn main() {}`.
    fn expand_main(args: TokenStream) -> String {
        expand(
            Kind::Main,
            args,
            quote!(
                async fn main() {}
            ),
        )
    }

    fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        entry(kind, args, item).to_string()
    }

    #[test]
    fn main_shape() {
        let out = expand(
            Kind::Main,
            quote!(threads = 2, shutdown_grace = "1.5s"),
            quote!(
                async fn main() -> Result<(), E> {
                    f().await?;
                    Ok(())
                }
            ),
        );
        let expected = quote! {
            fn main() -> Result<(), E> {
                let __runner_body = async move {
                    if false {
                        return ::core::option::Option::<Result<(), E> >::None.unwrap();
                    }
                    f().await?;
                    Ok(())
                };
                ::runner::__private::run_main(
                    ::runner::Builder::new()
                        .threads(2usize)
                        .shutdown_grace(::core::time::Duration::new(1u64, 500000000u32)),
                    __runner_body
                )
            }
        };
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn signals_become_handle_signals() {
        let out = expand_main(quote!(signals = [SIGTERM]));
        assert!(
            out.contains(". handle_signals ([:: runner :: Signal :: Terminate])"),
            "{out}"
        );
        let out = expand_main(quote!(signals = []));
        assert!(out.contains(". handle_signals ([])"), "{out}");
    }

    #[test]
    fn tokio_option_is_the_builder_setter() {
        let off = expand_main(quote!(tokio = false));
        assert!(off.contains(". tokio (false)"), "{off}");
        let bare = expand(
            Kind::Test,
            quote!(tokio),
            quote!(
                async fn t() {}
            ),
        );
        assert!(bare.contains(". tokio (true)"), "{bare}");
        let wrong = expand_main(quote!(tokio = "no"));
        assert!(
            wrong.contains("`tokio` expects `true` or `false`"),
            "{wrong}"
        );
        let twice = expand_main(quote!(tokio, tokio));
        assert!(twice.contains("compile_error"), "{twice}");
    }

    #[test]
    fn test_shape() {
        let out = expand(
            Kind::Test,
            quote!(crate = "my::rt", timeout = "250ms", leftovers = "deny"),
            quote!(
                #[should_panic]
                async fn it_works() {
                    #![allow(unused)]
                    x().await;
                }
            ),
        );
        let expected = quote! {
            #[::core::prelude::v1::test]
            #[should_panic]
            #[allow(unused)]
            fn it_works() {
                my::rt::__private::run_test_with_timeout(
                    my::rt::Builder::new().debug(true),
                    my::rt::__private::TestOptions::new(::core::module_path!(), "it_works")
                        .timeout(::core::time::Duration::new(0u64, 250000000u32))
                        .leftovers(my::rt::__private::Leftovers::Deny),
                    || -> my::rt::__private::Body<()> {
                        my::rt::__private::body(async move {
                            if false {
                                return ::core::option::Option::<()>::None.unwrap();
                            }
                            x().await;
                        })
                    },
                )
            }
        };
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn unnameable_outputs_are_left_to_inference() {
        for ret in [quote!(impl std::process::Termination), quote!(!)] {
            let out = expand(
                Kind::Main,
                quote!(),
                quote!(async fn main() -> #ret { f() }),
            );
            assert!(!out.contains("if false"), "{out}");
            assert!(out.contains("async move { f () }"), "{out}");
        }
    }

    #[test]
    fn a_written_test_attribute_is_not_doubled() {
        for attr in [
            quote!(#[test]),
            quote!(#[::core::prelude::v1::test]),
            quote!(#[std::prelude::rust_2024::test]),
        ] {
            let out = expand(Kind::Test, quote!(), quote!(#attr async fn t() {}));
            let attrs = out.matches("test]").count() + out.matches("test ]").count();
            assert_eq!(attrs, 1, "{out}");
        }
    }

    #[test]
    fn errors_keep_the_function() {
        // A bad option: the function is still expanded, with the error beside it.
        let out = expand_main(quote!(threads = 0));
        assert!(out.contains("run_main"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
        assert!(!out.contains(".threads"), "{out}");

        // A bad signature: the function comes back as written.
        let out = expand(
            Kind::Main,
            quote!(),
            quote!(
                fn main() {
                    work();
                }
            ),
        );
        assert!(
            out.starts_with("# [allow (dead_code)] fn main () { work () ; }"),
            "{out}"
        );
        assert!(out.contains("compile_error"), "{out}");

        // Not a function at all.
        let out = expand(
            Kind::Main,
            quote!(),
            quote!(
                struct S;
            ),
        );
        assert!(out.starts_with("struct S ;"), "{out}");
        assert!(
            out.contains("can only be applied to an `async fn`"),
            "{out}"
        );
    }
}
