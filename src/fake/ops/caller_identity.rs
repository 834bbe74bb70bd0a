//! GetCallerIdentity: `Arn`, `UserId`, `Account`, in that order (as live STS answers).

use super::Call;
use crate::error::StsError;
use crate::wire::output::{Fields, Output};

pub fn get_caller_identity(call: &mut Call<'_>) -> Result<Output, StsError> {
    let principal = call.caller()?.principal();
    Ok(Fields::new()
        .str("Arn", principal.arn())
        .str("UserId", principal.user_id())
        .str("Account", principal.account())
        .output("GetCallerIdentity"))
}
