//! Phase 2: evaluation. Matching one statement against a request, summarising each
//! layer, and combining the layers into a decision in the order AWS documents:
//! explicit deny anywhere; RCPs; SCPs (every level of the organisation needs an
//! Allow); resource-based policy and identity-based policies (same account: either;
//! cross-account: both); permissions boundary; session policy.
//!
//! [`PolicySet::decide`] is the fast path (no allocation for policies without
//! variables); [`crate::explain`] runs the same matching with a full trace and shares
//! [`combine`] so that both always agree.

use crate::parse::{Effect, Policy, PolicyKind, ResourceItem, Statement};
use crate::pattern::{ArnPattern, tokenize};
use crate::request::{PrincipalKind, Request};

/// Services whose resources resource control policies apply to (AWS Organizations
/// documentation, "List of AWS services that support RCPs"). Others ignore RCPs.
pub const RCP_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "sqs",
    "kms",
    "secretsmanager",
    "dynamodb",
    "ecr",
    "aoss",
    "cognito-idp",
    "cognito-identity",
    "logs",
];

/// The policies that apply to one request, by layer.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    pub identity: Vec<Policy>,
    pub resource: Option<Policy>,
    /// One entry per level of the organisation, root first.
    pub scps: Vec<Vec<Policy>>,
    pub rcps: Vec<Vec<Policy>>,
    pub boundary: Vec<Policy>,
    pub session: Option<Policy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    /// The name scenario files use for it in `policy-decision` rules.
    pub fn rule_name(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit-deny",
            Decision::ImplicitDeny => "implicit-deny",
        }
    }

    pub fn is_allow(self) -> bool {
        self == Decision::Allow
    }
}

/// How a resource-based policy's `Principal` matched the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// Did not match.
    No,
    /// Names the caller's account (`arn:aws:iam::<acct>:root` or the bare id): trust
    /// delegated to the account's identity policies.
    Account,
    /// Names the role whose session the caller is.
    Role,
    /// `"*"`.
    Wildcard,
    /// Names the caller itself (user, session, service…), or `NotPrincipal` excludes it.
    Exact,
    /// The statement has no principal element (identity-side policies).
    NotApplicable,
}

impl PrincipalMatch {
    pub fn matched(self) -> bool {
        self != PrincipalMatch::No
    }
}

/// Where a statement sits in a [`PolicySet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementAt {
    pub kind: PolicyKind,
    /// Organisation level for SCPs and RCPs, else 0.
    pub level: usize,
    pub policy: usize,
    pub statement: usize,
}

pub(crate) fn action_matches(s: &Statement, req: &Request) -> bool {
    let any = s
        .actions
        .items
        .iter()
        .any(|(_, g)| g.matches(&req.action_lc));
    any != s.actions.negated
}

pub(crate) fn resource_matches(s: &Statement, req: &Request) -> bool {
    let Some(list) = &s.resources else {
        return true;
    };
    let any = list.items.iter().any(|item| match item {
        ResourceItem::Static(_, p) => p.matches(&req.resource),
        ResourceItem::Dynamic(text, _, prefix) if !req.resource.starts_with(&text[..*prefix]) => {
            false
        }
        ResourceItem::Dynamic(_, t, _) => t.resolve(&req.context).is_some_and(|pieces| {
            ArnPattern::from_tokens(tokenize(&pieces)).matches(&req.resource)
        }),
    });
    any != list.negated
}

pub(crate) fn principal_matches(
    s: &Statement,
    req: &Request,
    has_boundary: bool,
) -> PrincipalMatch {
    let Some(list) = &s.principals else {
        return PrincipalMatch::NotApplicable;
    };
    let mut best = if list.wildcard {
        PrincipalMatch::Wildcard
    } else {
        PrincipalMatch::No
    };
    for (typ, value) in &list.items {
        let m = match_one(typ, value, req);
        if m > best {
            best = m;
        }
    }
    if list.negated {
        // AWS: a Deny with NotPrincipal always applies to a principal that has a
        // permissions boundary.
        if s.effect == Effect::Deny && has_boundary {
            return PrincipalMatch::Exact;
        }
        return if best == PrincipalMatch::No {
            PrincipalMatch::Exact
        } else {
            PrincipalMatch::No
        };
    }
    best
}

fn match_one(typ: &str, value: &str, req: &Request) -> PrincipalMatch {
    if value == req.principal {
        return PrincipalMatch::Exact;
    }
    if typ != "AWS" {
        return PrincipalMatch::No;
    }
    let account = req.principal_account.as_deref();
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return if Some(value) == account {
            PrincipalMatch::Account
        } else {
            PrincipalMatch::No
        };
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" {
        return PrincipalMatch::No;
    }
    if Some(parts[4]) != account {
        return PrincipalMatch::No;
    }
    if parts[5] == "root" {
        return PrincipalMatch::Account;
    }
    if let (Some(role_path), PrincipalKind::RoleSession { role, .. }) =
        (parts[5].strip_prefix("role/"), &req.principal_kind)
        && role_path.rsplit('/').next() == Some(role.as_str())
    {
        return PrincipalMatch::Role;
    }
    PrincipalMatch::No
}

/// Whether a statement applies (action, resource, principal and every condition
/// match); returns how the principal matched.
#[inline]
pub(crate) fn statement_applies(
    s: &Statement,
    req: &Request,
    has_boundary: bool,
) -> Option<PrincipalMatch> {
    if !action_matches(s, req) || !resource_matches(s, req) {
        return None;
    }
    let pm = principal_matches(s, req, has_boundary);
    if !pm.matched() {
        return None;
    }
    if s.conditions.iter().all(|c| c.matches(&req.context)) {
        Some(pm)
    } else {
        None
    }
}

/// One layer's applicable statements, reduced to what the decision needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LayerSummary {
    pub present: bool,
    pub deny: bool,
    pub allow: bool,
}

/// The resource-based policy's applicable statements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ResourceSummary {
    pub present: bool,
    pub deny: bool,
    /// Best principal match among applicable Allow statements.
    pub allow: Option<PrincipalMatch>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Summary {
    pub identity: LayerSummary,
    pub boundary: LayerSummary,
    pub session: LayerSummary,
    pub resource: ResourceSummary,
    pub scp_levels: Vec<LayerSummary>,
    pub rcp_levels: Vec<LayerSummary>,
    pub rcp_applies: bool,
}

/// Why a request was implicitly denied: the first layer, in AWS's order, that lacked
/// an Allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingAllow {
    Scp { level: usize },
    Identity,
    Resource,
    Boundary,
    Session,
}

impl MissingAllow {
    pub fn kind(self) -> PolicyKind {
        match self {
            MissingAllow::Scp { .. } => PolicyKind::Scp,
            MissingAllow::Identity => PolicyKind::Identity,
            MissingAllow::Resource => PolicyKind::Resource,
            MissingAllow::Boundary => PolicyKind::Boundary,
            MissingAllow::Session => PolicyKind::Session,
        }
    }
}

pub(crate) fn rcp_applies(req: &Request) -> bool {
    RCP_SERVICES.contains(&req.service_lc.as_str())
}

/// Services whose resource policy must itself allow, even in the same account: IAM
/// role trust policies (`sts:AssumeRole*`) and KMS key policies.
fn resource_policy_required(req: &Request) -> bool {
    req.service_lc == "kms"
        || (req.service_lc == "sts" && req.action_lc.starts_with("sts:assumerole"))
}

/// Combines layer summaries into the decision, following AWS's documented order.
pub(crate) fn combine(sum: &Summary, req: &Request) -> (Decision, Option<MissingAllow>) {
    let any_deny = sum.identity.deny
        || sum.boundary.deny
        || sum.session.deny
        || sum.resource.deny
        || sum.scp_levels.iter().any(|l| l.deny)
        || (sum.rcp_applies && sum.rcp_levels.iter().any(|l| l.deny));
    if any_deny {
        return (Decision::ExplicitDeny, None);
    }
    let implicit = |m| (Decision::ImplicitDeny, Some(m));
    // RCPs: RCPFullAWSAccess is attached at every level and cannot be detached, so a
    // level never lacks an Allow; only RCP denies (handled above) can refuse.
    for (level, l) in sum.scp_levels.iter().enumerate() {
        if !l.allow {
            return implicit(MissingAllow::Scp { level });
        }
    }
    let rbp = sum.resource.allow;
    let identity = sum.identity.allow;
    let kind = &req.principal_kind;
    let is_session = matches!(
        kind,
        PrincipalKind::RoleSession { .. } | PrincipalKind::FederatedUser { .. }
    );
    // A resource policy naming the caller directly (user, session) or everyone.
    let direct = matches!(rbp, Some(PrincipalMatch::Exact | PrincipalMatch::Wildcard));
    if req.same_account() && !(resource_policy_required(req) && sum.resource.present) {
        let rbp_grants = matches!(
            rbp,
            Some(PrincipalMatch::Exact | PrincipalMatch::Wildcard | PrincipalMatch::Role)
        );
        if !identity && !rbp_grants {
            return implicit(MissingAllow::Identity);
        }
        // The boundary does not limit a resource policy that names the user or the
        // session itself; it does limit one that names the role.
        if sum.boundary.present && !sum.boundary.allow && (!direct || identity_only(kind)) {
            return implicit(MissingAllow::Boundary);
        }
        // Session policies do not limit a resource policy naming the session ARN
        // itself (not `*`, not the role).
        if sum.session.present
            && !sum.session.allow
            && !(rbp == Some(PrincipalMatch::Exact) && is_session)
        {
            return implicit(MissingAllow::Session);
        }
        return (Decision::Allow, None);
    }
    // Cross-account (or a trust / key policy): the resource policy must allow, and the
    // identity side must allow too unless the resource policy names the caller itself
    // in the same account.
    let Some(m) = rbp else {
        return implicit(MissingAllow::Resource);
    };
    let needs_identity = !req.same_account() || m == PrincipalMatch::Account;
    if needs_identity && !identity {
        return implicit(MissingAllow::Identity);
    }
    if sum.boundary.present && !sum.boundary.allow {
        return implicit(MissingAllow::Boundary);
    }
    if sum.session.present && !sum.session.allow {
        return implicit(MissingAllow::Session);
    }
    (Decision::Allow, None)
}

/// Principals for which a direct resource-policy grant is still limited by the
/// boundary (a role ARN used as the caller, the account root, unknown shapes).
fn identity_only(kind: &PrincipalKind) -> bool {
    !matches!(
        kind,
        PrincipalKind::User { .. }
            | PrincipalKind::RoleSession { .. }
            | PrincipalKind::FederatedUser { .. }
    )
}

fn summarise(policies: &[Policy], req: &Request, has_boundary: bool) -> LayerSummary {
    let mut sum = LayerSummary {
        present: !policies.is_empty(),
        ..LayerSummary::default()
    };
    for p in policies {
        for s in &p.statements {
            // Once a Deny applies, nothing else in the layer can change the answer.
            if sum.deny || (sum.allow && s.effect == Effect::Allow) {
                continue;
            }
            if statement_applies(s, req, has_boundary).is_some() {
                match s.effect {
                    Effect::Allow => sum.allow = true,
                    Effect::Deny => sum.deny = true,
                }
            }
        }
    }
    sum
}

impl PolicySet {
    /// The decision only, as fast as possible.
    pub fn decide(&self, req: &Request) -> Decision {
        self.decide_with_reason(req).0
    }

    /// The decision and, for an implicit deny, the layer that lacked an Allow.
    pub fn decide_with_reason(&self, req: &Request) -> (Decision, Option<MissingAllow>) {
        let has_boundary = !self.boundary.is_empty();
        let service_principal = req.principal_kind == PrincipalKind::Service;
        let mut sum = Summary {
            identity: summarise(&self.identity, req, has_boundary),
            boundary: summarise(&self.boundary, req, has_boundary),
            session: summarise(self.session.as_slice(), req, has_boundary),
            rcp_applies: rcp_applies(req),
            ..Summary::default()
        };
        // SCPs do not apply to service principals.
        if !service_principal {
            sum.scp_levels = self
                .scps
                .iter()
                .map(|l| summarise(l, req, has_boundary))
                .collect();
        }
        if sum.rcp_applies {
            sum.rcp_levels = self
                .rcps
                .iter()
                .map(|l| summarise(l, req, has_boundary))
                .collect();
        }
        if let Some(rp) = &self.resource {
            sum.resource.present = true;
            for s in &rp.statements {
                if let Some(pm) = statement_applies(s, req, has_boundary) {
                    match s.effect {
                        Effect::Deny => sum.resource.deny = true,
                        Effect::Allow => sum.resource.allow = sum.resource.allow.max(Some(pm)),
                    }
                }
            }
        }
        combine(&sum, req)
    }

    /// The policy at `at`.
    pub fn policy(&self, kind: PolicyKind, level: usize, index: usize) -> Option<&Policy> {
        match kind {
            PolicyKind::Identity => self.identity.get(index),
            PolicyKind::Resource => self.resource.as_ref().filter(|_| index == 0),
            PolicyKind::Scp => self.scps.get(level)?.get(index),
            PolicyKind::Rcp => self.rcps.get(level)?.get(index),
            PolicyKind::Boundary => self.boundary.get(index),
            PolicyKind::Session => self.session.as_ref().filter(|_| index == 0),
        }
    }

    pub fn statement(&self, at: StatementAt) -> Option<(&Policy, &Statement)> {
        let p = self.policy(at.kind, at.level, at.policy)?;
        Some((p, p.statements.get(at.statement)?))
    }

    /// Every policy with its position, in evaluation-report order.
    pub fn all(&self) -> Vec<(PolicyKind, usize, usize, &Policy)> {
        let count = self
            .rcps
            .iter()
            .chain(&self.scps)
            .map(Vec::len)
            .sum::<usize>()
            + usize::from(self.resource.is_some())
            + self.identity.len()
            + self.boundary.len()
            + usize::from(self.session.is_some());
        let mut out = Vec::with_capacity(count);
        for (l, level) in self.rcps.iter().enumerate() {
            for (i, p) in level.iter().enumerate() {
                out.push((PolicyKind::Rcp, l, i, p));
            }
        }
        for (l, level) in self.scps.iter().enumerate() {
            for (i, p) in level.iter().enumerate() {
                out.push((PolicyKind::Scp, l, i, p));
            }
        }
        if let Some(p) = &self.resource {
            out.push((PolicyKind::Resource, 0, 0, p));
        }
        for (i, p) in self.identity.iter().enumerate() {
            out.push((PolicyKind::Identity, 0, i, p));
        }
        for (i, p) in self.boundary.iter().enumerate() {
            out.push((PolicyKind::Boundary, 0, i, p));
        }
        if let Some(p) = &self.session {
            out.push((PolicyKind::Session, 0, 0, p));
        }
        out
    }
}
