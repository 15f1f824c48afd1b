//! The request context: who asks (principal), what (action), on what (resource), and
//! the condition keys, prepared once so that evaluating many policies against it
//! allocates nothing.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: context keys are short ASCII strings looked up for every condition, and
/// SipHash's DoS resistance buys nothing for a request the user wrote.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// One context key's values. `multi` is true when the request gave a list, which makes
/// the key multivalued (it then needs `ForAllValues:`/`ForAnyValue:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextValue {
    /// The key as the request spelled it.
    pub key: String,
    pub values: Vec<String>,
    pub multi: bool,
}

/// Condition keys by lower-cased name (key names are case-insensitive in AWS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    map: HashMap<String, ContextValue, BuildHasherDefault<Fnv>>,
}

/// Keys AWS documents as multivalued (`ArrayOf…`): always a set, even when the
/// request carries one value.
pub fn is_multivalued_key(key_lc: &str) -> bool {
    matches!(
        key_lc,
        "aws:tagkeys"
            | "aws:principalorgpaths"
            | "aws:principalservicenameslist"
            | "aws:calledvia"
            | "aws:sourceorgpaths"
    ) || key_lc.ends_with(":tagkeys")
}

impl Context {
    /// An empty context with room for `keys` keys (and the few `Request::new` adds)
    /// without growing.
    pub fn with_capacity(keys: usize) -> Context {
        Context {
            map: HashMap::with_capacity_and_hasher(keys + 3, BuildHasherDefault::default()),
        }
    }

    /// Adds a key. `multi`: the request gave a list; keys AWS documents as
    /// multivalued are multivalued whatever the shape.
    pub fn insert(&mut self, key: &str, values: Vec<String>, multi: bool) {
        let key_lc = key.to_ascii_lowercase();
        let multi = multi || is_multivalued_key(&key_lc);
        self.map.insert(
            key_lc,
            ContextValue {
                key: key.to_owned(),
                values,
                multi,
            },
        );
    }

    /// Looks up a key already lower-cased.
    pub fn get(&self, key_lc: &str) -> Option<&ContextValue> {
        self.map.get(key_lc)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(&key.to_ascii_lowercase())
    }

    pub fn remove(&mut self, key: &str) {
        self.map.remove(&key.to_ascii_lowercase());
    }

    /// Entries sorted by key, for stable output.
    pub fn entries(&self) -> Vec<&ContextValue> {
        self.entries_where(|_| true)
    }

    /// The entries whose key (as the request spelled it) `keep` says yes to, sorted by
    /// key: [`Context::entries`] filtered, without sorting the rest.
    pub fn entries_where(&self, keep: impl Fn(&str) -> bool) -> Vec<&ContextValue> {
        let mut v: Vec<&ContextValue> = self.map.values().filter(|e| keep(&e.key)).collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }
}

/// What kind of identity the request principal is, read from its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `arn:aws:iam::<acct>:user/<path/>name`
    User {
        name: String,
    },
    /// `arn:aws:sts::<acct>:assumed-role/<role>/<session>`
    RoleSession {
        role: String,
        session: String,
    },
    /// `arn:aws:iam::<acct>:role/<path/>name` (a role ARN used as the caller)
    Role {
        name: String,
    },
    /// `arn:aws:sts::<acct>:federated-user/<name>`
    FederatedUser {
        name: String,
    },
    /// `arn:aws:iam::<acct>:root`
    Root,
    /// `ec2.amazonaws.com`, `dlm.amazonaws.com`…
    Service,
    Other,
}

/// A prepared request.
#[derive(Debug, Clone)]
pub struct Request {
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// The account that owns the resource (given, else the resource ARN's, else the
    /// principal's).
    pub resource_account: Option<String>,
    pub principal_account: Option<String>,
    pub principal_kind: PrincipalKind,
    pub context: Context,
    pub(crate) action_lc: String,
    /// The service prefix of the action, lower case (`ec2`).
    pub(crate) service_lc: String,
}

impl Request {
    /// Prepares a request. Keys AWS always puts in the context and that can be read
    /// from the principal (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:username`
    /// for IAM users) are added unless the caller gave them.
    pub fn new(
        principal: &str,
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        mut context: Context,
    ) -> Request {
        let (principal_kind, principal_account) = classify_principal(principal);
        add_principal_keys(
            &mut context,
            principal,
            &principal_kind,
            principal_account.as_deref(),
        );
        let resource_account = resource_account
            .map(str::to_owned)
            .or_else(|| {
                resource
                    .split(':')
                    .nth(4)
                    .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
                    .map(str::to_owned)
            })
            .or_else(|| principal_account.clone());
        let action_lc = action.to_ascii_lowercase();
        let service_lc = action_lc.split(':').next().unwrap_or("").to_owned();
        Request {
            principal: principal.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account,
            principal_account,
            principal_kind,
            context,
            action_lc,
            service_lc,
        }
    }

    /// This request with `key` set to `values` (`None`: without the key), as
    /// [`Request::new`] would prepare it from the changed context, without classifying
    /// the principal again: the keys it derives from the principal come back if the
    /// change removed one.
    pub fn with_context_key(&self, key: &str, values: Option<Vec<String>>) -> Request {
        let mut r = self.clone();
        let multi = r
            .context
            .get(&key.to_ascii_lowercase())
            .is_some_and(|e| e.multi);
        match values {
            Some(v) => r.context.insert(key, v, multi),
            None => {
                r.context.remove(key);
                add_principal_keys(
                    &mut r.context,
                    &r.principal,
                    &r.principal_kind,
                    r.principal_account.as_deref(),
                );
            }
        }
        r
    }

    /// Changes `key` in place as [`Request::with_context_key`] would (`None`: removes
    /// it, and the keys derived from the principal come back); [`Request::restore`]
    /// with the returned undo puts the context back as it was. Advice tries many
    /// changes on one request this way instead of cloning it for each.
    pub fn change_context_key(&mut self, key: &str, values: Option<Vec<String>>) -> ContextUndo {
        let key_lc = key.to_ascii_lowercase();
        let old = self.context.map.remove_entry(&key_lc);
        let multi = old.as_ref().is_some_and(|(_, e)| e.multi);
        let mut added = Vec::new();
        match values {
            Some(v) => self.context.insert(key, v, multi),
            None => {
                let before = PRINCIPAL_KEYS.map(|k| self.context.map.contains_key(k));
                add_principal_keys(
                    &mut self.context,
                    &self.principal,
                    &self.principal_kind,
                    self.principal_account.as_deref(),
                );
                for (k, was) in PRINCIPAL_KEYS.iter().zip(before) {
                    if !was && self.context.map.contains_key(*k) {
                        added.push(*k);
                    }
                }
            }
        }
        ContextUndo { key_lc, old, added }
    }

    /// Undoes a [`Request::change_context_key`].
    pub fn restore(&mut self, undo: ContextUndo) {
        for k in undo.added {
            self.context.map.remove(k);
        }
        self.context.map.remove(&undo.key_lc);
        if let Some((k, v)) = undo.old {
            self.context.map.insert(k, v);
        }
    }

    /// Same account for principal and resource (unknown accounts count as same).
    pub fn same_account(&self) -> bool {
        match (&self.principal_account, &self.resource_account) {
            (Some(p), Some(r)) => p == r,
            _ => true,
        }
    }
}

/// The keys [`add_principal_keys`] may add, lower-cased.
const PRINCIPAL_KEYS: [&str; 3] = ["aws:principalaccount", "aws:principalarn", "aws:username"];

/// What [`Request::change_context_key`] changed: the key's previous entry and the keys
/// derived from the principal that came back.
#[derive(Debug)]
pub struct ContextUndo {
    key_lc: String,
    old: Option<(String, ContextValue)>,
    added: Vec<&'static str>,
}

/// Adds the keys AWS always puts in the context that can be read from the principal
/// (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:username` for IAM users), unless
/// the context has them.
fn add_principal_keys(
    context: &mut Context,
    principal: &str,
    principal_kind: &PrincipalKind,
    principal_account: Option<&str>,
) {
    // The keys looked up already lower-cased: no copy of the name per lookup.
    if let Some(acct) = principal_account {
        if !context.map.contains_key("aws:principalaccount") {
            context.insert("aws:PrincipalAccount", vec![acct.to_owned()], false);
        }
        if !context.map.contains_key("aws:principalarn") {
            let arn = match principal_kind {
                PrincipalKind::RoleSession { role, .. } => {
                    format!("arn:{}:iam::{acct}:role/{role}", partition(principal))
                }
                _ => principal.to_owned(),
            };
            context.insert("aws:PrincipalArn", vec![arn], false);
        }
    }
    if let PrincipalKind::User { name } = principal_kind
        && !context.map.contains_key("aws:username")
    {
        context.insert("aws:username", vec![name.clone()], false);
    }
}

fn partition(arn: &str) -> &str {
    arn.split(':').nth(1).unwrap_or("aws")
}

/// Reads the principal's kind and account from its ARN.
pub fn classify_principal(principal: &str) -> (PrincipalKind, Option<String>) {
    let parts: Vec<&str> = principal.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        if principal.ends_with(".amazonaws.com") || principal.ends_with(".amazonaws.com.cn") {
            return (PrincipalKind::Service, None);
        }
        // A bare account id stands for the account root.
        if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
            return (PrincipalKind::Root, Some(principal.to_owned()));
        }
        return (PrincipalKind::Other, None);
    }
    let account = Some(parts[4].to_owned()).filter(|a| !a.is_empty());
    let res = parts[5];
    let last = |s: &str| s.rsplit('/').next().unwrap_or(s).to_owned();
    let kind = match (parts[2], res) {
        ("iam", "root") => PrincipalKind::Root,
        ("iam", r) if r.starts_with("user/") => PrincipalKind::User { name: last(r) },
        ("iam", r) if r.starts_with("role/") => PrincipalKind::Role { name: last(r) },
        ("sts", r) if r.starts_with("assumed-role/") => {
            let mut it = r["assumed-role/".len()..].splitn(2, '/');
            let role = it.next().unwrap_or("").to_owned();
            let session = it.next().unwrap_or("").to_owned();
            PrincipalKind::RoleSession { role, session }
        }
        ("sts", r) if r.starts_with("federated-user/") => {
            PrincipalKind::FederatedUser { name: last(r) }
        }
        _ => PrincipalKind::Other,
    };
    (kind, account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_principal_keys() {
        let r = Request::new(
            "arn:aws:sts::111122223333:assumed-role/App/i-0123",
            "S3:GetObject",
            "arn:aws:s3:::b/k",
            None,
            Context::default(),
        );
        assert_eq!(
            r.context.get("aws:principalarn").unwrap().values,
            vec!["arn:aws:iam::111122223333:role/App".to_owned()]
        );
        assert_eq!(r.resource_account.as_deref(), Some("111122223333"));
        assert_eq!(r.action_lc, "s3:getobject");
        assert!(matches!(
            r.principal_kind,
            PrincipalKind::RoleSession { .. }
        ));
    }

    /// A changed key gives the request `Request::new` prepares from the changed context,
    /// keys derived from the principal included (a removed one comes back).
    #[test]
    fn a_changed_key_is_prepared_as_new_would() {
        let mut ctx = Context::default();
        ctx.insert("aws:TagKeys", vec!["a".into()], false);
        ctx.insert("ec2:MetadataHttpTokens", vec!["optional".into()], false);
        for principal in [
            "arn:aws:sts::111122223333:assumed-role/App/i-0123",
            "arn:aws:iam::111122223333:user/alice",
            "ec2.amazonaws.com",
        ] {
            let req = Request::new(
                principal,
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                None,
                ctx.clone(),
            );
            for (key, values) in [
                ("ec2:MetadataHttpTokens", Some(vec!["required".to_owned()])),
                ("AWS:TagKeys", Some(vec!["a".to_owned(), "b".to_owned()])),
                ("aws:SourceVpc", Some(vec!["vpc-1".to_owned()])),
                ("ec2:metadatahttptokens", None),
                ("aws:PrincipalArn", None),
                ("aws:username", None),
                ("aws:PrincipalAccount", None),
            ] {
                let mut changed = req.context.clone();
                let multi = changed
                    .get(&key.to_ascii_lowercase())
                    .is_some_and(|e| e.multi);
                match values.clone() {
                    Some(v) => changed.insert(key, v, multi),
                    None => changed.remove(key),
                }
                let want =
                    Request::new(principal, "s3:GetObject", "arn:aws:s3:::b/k", None, changed);
                let got = req.with_context_key(key, values.clone());
                let mut in_place = req.clone();
                let undo = in_place.change_context_key(key, values);
                assert_eq!(
                    in_place.context.entries(),
                    want.context.entries(),
                    "in place: {principal} {key}"
                );
                in_place.restore(undo);
                assert_eq!(
                    in_place.context.entries(),
                    req.context.entries(),
                    "restored: {principal} {key}"
                );
                assert_eq!(
                    got.context.entries(),
                    want.context.entries(),
                    "{principal} {key}"
                );
                assert_eq!(
                    (
                        &got.principal_kind,
                        &got.principal_account,
                        &got.resource_account
                    ),
                    (
                        &want.principal_kind,
                        &want.principal_account,
                        &want.resource_account
                    )
                );
            }
        }
    }
}
