//! What AWS defines, as data: the STS operations of API 2011-06-15, their input members in model order,
//! and each member's constraints. `generated.rs` is written by `tools/gen_model.py` from botocore's
//! model; `validate` walks it to produce AWS's validation errors.

#[rustfmt::skip]
mod generated;
mod shape;
mod validate;

pub use shape::{Member, Operation, Pattern, Shape};
pub use validate::validate;

/// The STS API version this server speaks.
pub const API_VERSION: &str = "2011-06-15";

/// Looks an operation up by its wire name (`Action=`), case-sensitively as STS does.
pub fn operation(name: &str) -> Option<&'static Operation> {
    generated::OPERATIONS
        .binary_search_by(|op| op.name.cmp(name))
        .ok()
        .map(|i| &generated::OPERATIONS[i])
}

/// Every operation of the model, sorted by name.
pub fn operations() -> &'static [Operation] {
    generated::OPERATIONS
}
