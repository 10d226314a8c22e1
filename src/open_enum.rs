//! `open_enum!`: the one shape of every Stripe string enum in this crate.
//!
//! Stripe adds enum values without a new API version, so each enum has its known variants plus
//! `Unknown(String)` holding the exact string (like `http::Method`). Serde goes through
//! `as_str`, so every value, known or not, round-trips byte for byte; `#[serde(other)]` is
//! never used because it drops the string.

/// Declares an open string enum: `Variant => "wire_string",` lines, then `Unknown(String)`.
macro_rules! open_enum {
    // With serde: the enums of the hand-written resources, which derive serde.
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($variant:ident => $string:literal,)+
        }
    ) => {
        $crate::open_enum::open_enum!(@shape [PartialOrd, Ord] $(#[$meta])* pub enum $name { $($variant => $string,)+ });

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireVisitor;

                impl ::serde::de::Visitor<'_> for WireVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }

                    fn visit_str<E: ::serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        let Ok(value) = s.parse::<$name>();
                        Ok(value)
                    }
                }

                deserializer.deserialize_str(WireVisitor)
            }
        }
    };
    // With the generated resources' JSON reading instead (they have no serde derive, so each
    // enum costs less to compile).
    (
        @json
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($variant:ident => $string:literal,)+
        }
    ) => {
        $crate::open_enum::open_enum!(@shape [] $(#[$meta])* pub enum $name { $($variant => $string,)+ });
        $crate::resources::json::json_enum!($name);
    };
    (
        @shape [$($order:ident),*]
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($variant:ident => $string:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash $(, $order)*)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = concat!("`", $string, "`")]
                $variant,
            )+
            /// A value this version of the crate does not know; holds the exact string.
            Unknown(String),
        }

        impl $name {
            /// Every known variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire string, exactly as Stripe sends it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $string,)+
                    $name::Unknown(other) => other,
                }
            }

            /// Whether this is a documented value (not `Unknown`).
            #[must_use]
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        /// A missing value reads as `Unknown("")`, so an absent field never fails a parse.
        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// The known variant for `s`, or `Unknown` holding it: never an error.
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $($string => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                })
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

    };
}

pub(crate) use open_enum;
