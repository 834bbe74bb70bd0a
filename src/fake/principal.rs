//! Who a caller is: root, an IAM user, an assumed-role session or a federated user, with the ARN and
//! `UserId` AWS reports for each (reference/sts-wire.md §2).

use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Root {
        account: String,
    },
    User {
        account: String,
        /// `/` or `/division/`: kept in the ARN.
        path: String,
        name: String,
        /// `AIDA...`, stable for (account, name).
        id: String,
    },
    AssumedRole {
        partition: String,
        account: String,
        /// The role's name; its path is dropped from the assumed-role ARN, as AWS does.
        role_name: String,
        /// `AROA...`, stable for (account, role name).
        role_id: String,
        session_name: String,
    },
    FederatedUser {
        account: String,
        name: String,
    },
}

impl Principal {
    pub fn account(&self) -> &str {
        match self {
            Principal::Root { account }
            | Principal::User { account, .. }
            | Principal::AssumedRole { account, .. }
            | Principal::FederatedUser { account, .. } => account,
        }
    }

    pub fn arn(&self) -> String {
        match self {
            Principal::Root { account } => concat(&["arn:aws:iam::", account, ":root"]),
            Principal::User {
                account,
                path,
                name,
                ..
            } => concat(&["arn:aws:iam::", account, ":user", path, name]),
            Principal::AssumedRole {
                partition,
                account,
                role_name,
                session_name,
                ..
            } => concat(&[
                "arn:",
                partition,
                ":sts::",
                account,
                ":assumed-role/",
                role_name,
                "/",
                session_name,
            ]),
            Principal::FederatedUser { account, name } => {
                concat(&["arn:aws:sts::", account, ":federated-user/", name])
            }
        }
    }

    /// What GetCallerIdentity reports as `UserId` (= `aws:userid`).
    pub fn user_id(&self) -> String {
        match self {
            Principal::Root { account } => account.clone(),
            Principal::User { id, .. } => id.clone(),
            Principal::AssumedRole {
                role_id,
                session_name,
                ..
            } => concat(&[role_id, ":", session_name]),
            Principal::FederatedUser { account, name } => concat(&[account, ":", name]),
        }
    }
}

/// A principal of long-term keys (a configured user, the default principal) and its ARN, made
/// once at start-up: the request log names the caller of every request, and a shared ARN costs
/// no allocation per request.
#[derive(Debug)]
pub struct LongTermPrincipal {
    pub principal: Principal,
    pub arn: Arc<str>,
}

impl LongTermPrincipal {
    pub fn new(principal: Principal) -> LongTermPrincipal {
        let arn = Arc::from(principal.arn());
        LongTermPrincipal { principal, arn }
    }
}

/// The parts, joined, in one allocation of the right size.
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| out.push_str(p));
    out
}

/// `[a-zA-Z_0-9+=,.@-]{2,64}`: what a session name or source identity asserted by an identity
/// provider must match.
pub fn is_session_name(value: &str) -> bool {
    (2..=64).contains(&value.chars().count())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_user_ids() {
        let role = Principal::AssumedRole {
            partition: "aws".into(),
            account: "123456789012".into(),
            role_name: "app".into(),
            role_id: "AROAEXAMPLE".into(),
            session_name: "s".into(),
        };
        assert_eq!(role.arn(), "arn:aws:sts::123456789012:assumed-role/app/s");
        assert_eq!(role.user_id(), "AROAEXAMPLE:s");
        let user = Principal::User {
            account: "1".into(),
            path: "/ops/".into(),
            name: "al".into(),
            id: "AIDAX".into(),
        };
        assert_eq!(user.arn(), "arn:aws:iam::1:user/ops/al");
        let fed = Principal::FederatedUser {
            account: "1".into(),
            name: "bob".into(),
        };
        assert_eq!(
            (fed.arn().as_str(), fed.user_id().as_str()),
            ("arn:aws:sts::1:federated-user/bob", "1:bob")
        );
        let root = Principal::Root {
            account: "1".into(),
        };
        assert_eq!(
            (root.arn().as_str(), root.user_id().as_str()),
            ("arn:aws:iam::1:root", "1")
        );
    }
}
