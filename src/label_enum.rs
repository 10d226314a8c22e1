//! `label_enum!`: the one shape of the crate's closed classifications (`ErrorKind`,
//! `OutcomeKind`): a fieldless enum whose variants index counters, each with a fixed
//! snake_case label for metrics and logs.

/// Declares a closed, copyable enum from `Variant => "label",` lines: `ALL` in declaration
/// order (so `kind as usize` is its index there), `as_str`, and `Display` as the label.
macro_rules! label_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident => $label:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            /// Every kind, in declaration order: for dashboards that pre-register a metric per
            /// label.
            pub const ALL: [$name; [$($name::$variant),+].len()] = [$($name::$variant),+];

            /// A fixed snake_case label, stable across releases, for metrics and logs.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// The kind a stored label names; `None` for a label this build does not write.
            #[allow(dead_code)] // not every kind is read back from a database
            pub(crate) fn from_label(label: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|kind| kind.as_str() == label)
            }

            /// Every kind with its count from `(label, count)` rows (a `GROUP BY` of the
            /// labels), in declaration order; a kind without a row is 0.
            #[allow(dead_code)] // not every kind is counted in a database
            pub(crate) fn counted(rows: &[(String, i64)]) -> Vec<($name, u64)> {
                $name::ALL
                    .into_iter()
                    .map(|kind| {
                        let count = rows
                            .iter()
                            .find(|(label, _)| label == kind.as_str())
                            .map_or(0, |(_, count)| u64::try_from(*count).unwrap_or(0));
                        (kind, count)
                    })
                    .collect()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use label_enum;

#[cfg(test)]
mod tests {
    use crate::dispatch::OutcomeKind;
    use crate::ErrorKind;

    fn check<K: Copy + std::fmt::Display>(all: &[K], index: impl Fn(K) -> usize) {
        let labels: std::collections::BTreeSet<String> = all.iter().map(K::to_string).collect();
        assert_eq!(labels.len(), all.len(), "labels are unique");
        for (position, kind) in all.iter().enumerate() {
            assert_eq!(index(*kind), position, "{kind} sits at its own index");
        }
    }

    #[test]
    fn every_kind_sits_at_its_own_index_with_its_own_label() {
        check(&ErrorKind::ALL, |kind| kind as usize);
        check(&OutcomeKind::ALL, |kind| kind as usize);
    }
}
