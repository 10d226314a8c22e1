//! [`ForwardError`]: a forwarding target that cannot be set up as asked.

/// Why a [`Target`](super::Target) cannot be set up or attached. Sending errors are not
/// errors of the caller: they are recorded on the forward and retried.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ForwardError {
    /// A target name must be 1 to 64 characters of `A-Z a-z 0-9 _ - .`, a letter or digit
    /// among them: it keys the target's delivery state in the inbox, and shows in URLs and
    /// logs.
    #[error("forward: `{name}` is not a target name: use 1 to 64 of A-Z a-z 0-9 _ - ., with a letter or digit")]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// Two targets of one dispatcher have the same name.
    #[error("forward: a target named `{name}` is attached already: give each target its own name")]
    DuplicateTarget {
        /// The name given twice.
        name: String,
    },
    /// An HTTP target's URL does not parse, or is not `http` or `https`.
    #[error("forward: `{url}` is not an http(s) URL: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A header given to [`HttpSink::header`](super::HttpSink::header) cannot be sent.
    #[error("forward: the header `{name}` cannot be sent: {reason}")]
    InvalidHeader {
        /// The header's name, as given (never its value: it may be a credential).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The target's signing secret cannot sign (empty, or whitespace around it).
    #[error("forward: the signing secret of target `{name}`: {source}")]
    Secret {
        /// The target's name.
        name: String,
        /// What is wrong with the secret.
        source: crate::Error,
    },
    /// The HTTP client could not be built (its TLS roots could not be loaded).
    #[error("forward: the HTTP client could not be built: {0}")]
    Client(String),
}
