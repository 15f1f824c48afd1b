//! [`Redacted`]: text that has been cleaned, as a type.

use std::fmt;
use std::ops::Deref;

/// Text that went through [`crate::clean`] (or one of its siblings): no secret, no
/// terminal control sequence. The field is private and every constructor cleans, so a
/// function that takes or returns `Redacted` cannot be handed raw user text by mistake.
///
/// There is deliberately no way to append to it: two clean pieces can make a secret
/// together (the halves of a key cut by a line break), so joined text is built as a
/// `String` and cleaned as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Redacted(String);

impl Redacted {
    /// Cleans `text`: control sequences neutralised, secrets masked.
    pub fn new(text: &str) -> Redacted {
        Redacted(crate::clean(text).into_owned())
    }

    /// Like [`Redacted::new`], without a copy when there is nothing to change.
    pub fn from_string(text: String) -> Redacted {
        let cleaned = match crate::clean(&text) {
            std::borrow::Cow::Borrowed(_) => None,
            std::borrow::Cow::Owned(cleaned) => Some(cleaned),
        };
        Redacted(cleaned.unwrap_or(text))
    }

    /// Cleans text that authdoctor coloured itself: well-formed SGR sequences (colours)
    /// stay, every other control sequence goes, secrets are masked.
    pub fn keeping_style(text: &str) -> Redacted {
        Redacted(crate::clean_keeping_style(text).into_owned())
    }

    /// Cleans consecutive lines together, so that a value cut by a line break is seen
    /// whole; one result per line, in order. See [`crate::clean_lines`].
    pub fn lines<S: AsRef<str>>(lines: &[S]) -> Vec<Redacted> {
        crate::clean_lines(lines)
            .into_iter()
            .map(Redacted)
            .collect()
    }

    /// Text every string of which was cleaned on its way in ([`crate::JsonCleaner`]).
    pub(crate) fn already_clean(text: String) -> Redacted {
        Redacted(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Redacted {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Redacted {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Redacted {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl From<Redacted> for String {
    fn from(text: Redacted) -> String {
        text.0
    }
}

impl PartialEq<str> for Redacted {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Redacted {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}
