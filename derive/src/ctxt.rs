//! Collects errors so that the user sees all their mistakes in one compile.

use std::fmt::Display;

use quote::ToTokens;

/// Errors gathered while checking one derive input. As in serde's `Ctxt`, dropping it without
/// calling [`finish`](Ctxt::finish) is a bug in the derive, and panics.
pub struct Ctxt {
    errors: Option<Vec<syn::Error>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt {
            errors: Some(Vec::new()),
        }
    }

    /// Records an error spanned on `tokens`.
    pub fn error(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub fn error_at(&mut self, span: proc_macro2::Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error from syn's parser.
    pub fn syn_error(&mut self, error: syn::Error) {
        self.push(error);
    }

    fn push(&mut self, error: syn::Error) {
        self.errors
            .as_mut()
            .expect("Ctxt used after finish")
            .push(error);
    }

    /// All errors combined into one, if there were any.
    pub fn finish(mut self) -> Result<(), syn::Error> {
        let mut errors = self
            .errors
            .take()
            .expect("finish is called once")
            .into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for e in errors {
            first.combine(e);
        }
        Err(first)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("forgot to check for errors");
        }
    }
}
