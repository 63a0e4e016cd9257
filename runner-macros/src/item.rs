//! The annotated item: a function whose body is kept as raw tokens.
//!
//! Like tokio-macros, the body is not parsed: the macro only moves it into an `async` block,
//! so a syntax error inside it is reported by rustc at the right place, an unfinished body
//! (while the user is typing) still expands, and large bodies cost nothing to parse.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Attribute, Error, Result, Signature, Visibility};

use crate::options::Kind;

/// A function item: `#[attrs] vis sig { body }`.
pub(crate) struct ItemFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The `{ … }` body, unparsed.
    pub(crate) body: Group,
}

impl Parse for ItemFn {
    fn parse(input: ParseStream<'_>) -> Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = match input.parse::<TokenTree>() {
            Ok(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
            Ok(other) => return Err(Error::new(other.span(), "expected the function's body")),
            Err(_) => return Err(input.error("expected the function's body")),
        };
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function's body"));
        }
        Ok(ItemFn {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// Parses `item` as a function, or explains why the attribute does not apply to it.
pub(crate) fn parse(kind: Kind, item: TokenStream) -> Result<ItemFn> {
    syn::parse2::<ItemFn>(item.clone()).map_err(|error| not_a_fn(kind, item, error))
}

/// The error for an item that is not a function (or a function whose signature does not parse).
fn not_a_fn(kind: Kind, item: TokenStream, parse_error: Error) -> Error {
    // Find the first token after the attributes and the visibility: `struct`, `mod`, `fn`…
    let head = |input: ParseStream<'_>| -> Result<Option<TokenTree>> {
        input.call(Attribute::parse_outer)?;
        input.parse::<Visibility>()?;
        let head = input.cursor().token_tree().map(|(tt, _)| tt);
        // Consume everything so `parse2` does not complain about leftovers.
        input.step(|cursor| {
            let mut rest = *cursor;
            while let Some((_, next)) = rest.token_tree() {
                rest = next;
            }
            Ok(((), rest))
        })?;
        Ok(head)
    };
    let head = head.parse2(item).ok().flatten();
    let is_fn_like = matches!(&head, Some(TokenTree::Ident(word))
        if ["fn", "async", "const", "unsafe", "extern", "safe"].contains(&word.to_string().as_str()));
    if is_fn_like {
        // A function whose signature does not parse: syn's message says what it expected.
        return parse_error;
    }
    let span = head.as_ref().map_or_else(Span::call_site, TokenTree::span);
    Error::new(
        span,
        format_args!(
            "{} can only be applied to an `async fn`{}",
            kind.attr(),
            match kind {
                Kind::Main => ", as in `async fn main() { … }`",
                Kind::Test => ", as in `async fn it_works() { … }`",
            }
        ),
    )
}
