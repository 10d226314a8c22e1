//! The one shape of the crate's open-ended errors (`StoreError`, `HandlerError`,
//! `NotifyError`): a message of their own, and the underlying error, if any, as `source()`.
//!
//! The message never repeats the source, so a reporter that walks the chain prints each cause
//! once.

use std::fmt;

type Source = Box<dyn std::error::Error + Send + Sync>;

/// A message and an optional source.
#[derive(Debug)]
pub(crate) struct Message {
    text: Box<str>,
    source: Option<Source>,
}

impl Message {
    pub(crate) fn new(text: impl fmt::Display) -> Message {
        Message {
            text: text.to_string().into_boxed_str(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Message {
        self.source = Some(Box::new(source));
        self
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Declares a public error type that is a [`Message`]: `new`, `with_source`, `Display` and
/// `source()`, the same for each.
macro_rules! message_error {
    ($(#[$meta:meta])* pub struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name($crate::error::Message);

        impl $name {
            /// An error with a message.
            pub fn new(message: impl ::std::fmt::Display) -> $name {
                $name($crate::error::Message::new(message))
            }

            /// Attaches the underlying error, kept as `source()` (and not repeated in the
            /// message).
            #[must_use]
            pub fn with_source(
                self,
                source: impl ::std::error::Error + Send + Sync + 'static,
            ) -> $name {
                $name(self.0.with_source(source))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                self.0.source()
            }
        }
    };
}

pub(crate) use message_error;
