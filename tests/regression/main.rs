//! Regression tests: one file per bug the fuzz targets (`fuzz/`) found, each named for the
//! bug and holding the minimized input, so the fix stays fixed without the fuzzer.
#![allow(clippy::unwrap_used)]

mod duplicate_object_key;
mod lone_surrogate_in_object;
mod out_of_range_numbers;
mod repeated_envelope_object_key;
mod syntax_error_in_known_field;
mod thin_event_null_fields;
