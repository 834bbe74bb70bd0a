//! What AWS defines, as data: the STS operations of API 2011-06-15, their input members in model order,
//! and each member's constraints. `generated.rs` is written by `tools/gen_model.py` from botocore's
//! model; `validate` walks it to produce AWS's validation errors.

#[rustfmt::skip]
mod generated;
mod integer;
mod shape;
mod validate;

pub use integer::parse_int;
pub use shape::{Member, Operation, Pattern, Shape};
pub use validate::validate;

/// What validation reads of a request's parameters (`wire::params::Params` is the one).
pub trait Parameters {
    /// The first value of `name`.
    fn get(&self, name: &str) -> Option<&str>;
    /// Every parameter name, in arrival order.
    fn names(&self) -> impl Iterator<Item = &str>;

    fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// The STS API version this server speaks.
pub const API_VERSION: &str = "2011-06-15";

/// Looks an operation up by its wire name (`Action=`), case-sensitively as STS does.
pub fn operation(name: &str) -> Option<&'static Operation> {
    // By length first: eleven names, and at most two share a length, so this compares one or two
    // strings where a binary search compares four.
    generated::OPERATIONS
        .iter()
        .find(|op| op.name.len() == name.len() && op.name == name)
}

/// The operation a request's `Action` and `Version` name: this API's version and an operation of
/// the model, or `None`.
pub fn resolve(action: &str, version: &str) -> Option<&'static Operation> {
    operation(action).filter(|_| version == API_VERSION)
}

/// Every operation of the model, sorted by name.
pub fn operations() -> &'static [Operation] {
    generated::OPERATIONS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_found_by_its_exact_name_only() {
        assert_eq!(operations().len(), 11);
        for op in operations() {
            assert_eq!(operation(op.name).map(|o| o.name), Some(op.name));
            assert!(operation(&op.name.to_lowercase()).is_none());
            assert!(operation(&op.name[1..]).is_none());
            assert!(operation(&format!("{}x", op.name)).is_none());
        }
        assert!(operation("").is_none());
        assert_eq!(
            resolve("GetCallerIdentity", API_VERSION).map(|o| o.name),
            Some("GetCallerIdentity")
        );
        assert!(resolve("GetCallerIdentity", "2011-06-16").is_none());
    }
}
