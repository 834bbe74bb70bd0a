//! GetAccessKeyInfo: the account a key belongs to, decoded from the key as AWS does (§3 of the
//! reference). Configured keys answer their configured account; keys that carry no account
//! (old-generation ids, made-up strings) answer the default account.

use super::Call;
use crate::error::StsError;
use crate::fake::ids;
use crate::wire::output::{Fields, Output};

pub fn get_access_key_info(call: &mut Call<'_>) -> Result<Output, StsError> {
    let key = call.str("AccessKeyId");
    let account = match call.fake.users.get(key) {
        Some(known) => known.principal.account().to_owned(),
        None => ids::account_of(key).unwrap_or_else(|| call.fake.account.clone()),
    };
    Ok(Fields::new()
        .str("Account", account)
        .output("GetAccessKeyInfo"))
}
