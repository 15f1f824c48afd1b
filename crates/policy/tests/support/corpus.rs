//! Deterministic generator of policy/request cases in the case-file shape of
//! `shared/spec/cli.md`, used by the differential test against iam-simulate and by the
//! benchmark. Seeded, no external randomness: the same seed gives the same corpus.
//!
//! It sticks to what both engines are meant to agree on (iam-evaluation.md §7): concrete
//! resource ARNs, ISO dates, string context values, actions and keys the peer's service
//! reference knows, RCPs only for RCP-capable services.

#![allow(dead_code)]

use serde_json::{Value, json};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub const ACCT: &str = "111122223333";
pub const OTHER: &str = "444455556666";

#[derive(Clone, Copy, PartialEq)]
enum KeyType {
    Str,
    Multi,
    Num,
    Date,
    Bool,
    Ip,
    Arn,
    Bin,
}

struct KeySpec {
    key: &'static str,
    ty: KeyType,
    /// Values a request may carry.
    request: &'static [&'static str],
    /// Values a policy may test (overlapping the request values).
    policy: &'static [&'static str],
}

const KEYS: &[KeySpec] = &[
    KeySpec {
        key: "aws:PrincipalTag/team",
        ty: KeyType::Str,
        request: &["red", "blue", "Red"],
        policy: &["red", "blue", "green", "r*", "?ed", "RED"],
    },
    KeySpec {
        key: "aws:RequestTag/env",
        ty: KeyType::Str,
        request: &["prod", "dev", "test"],
        policy: &["prod", "dev", "p*", "*"],
    },
    KeySpec {
        key: "aws:PrincipalOrgID",
        ty: KeyType::Str,
        request: &["o-abc123", "o-xyz789"],
        policy: &["o-abc123", "o-*", "O-ABC123"],
    },
    KeySpec {
        key: "aws:SourceVpc",
        ty: KeyType::Str,
        request: &["vpc-111", "vpc-222"],
        policy: &["vpc-111", "vpc-2*"],
    },
    KeySpec {
        key: "aws:TagKeys",
        ty: KeyType::Multi,
        request: &["env", "cost-center", "owner"],
        policy: &["env", "cost-center", "Env", "own*"],
    },
    KeySpec {
        key: "ec2:RoleDelivery",
        ty: KeyType::Num,
        request: &["1.0", "2.0", "2"],
        policy: &["2.0", "2", "1", "1.5"],
    },
    KeySpec {
        key: "aws:MultiFactorAuthAge",
        ty: KeyType::Num,
        request: &["30", "3600", "7200"],
        policy: &["3600", "60", "86400"],
    },
    KeySpec {
        key: "aws:CurrentTime",
        ty: KeyType::Date,
        request: &[
            "2026-11-23T10:00:00Z",
            "2025-01-01T00:00:00Z",
            "2027-06-30T23:59:59Z",
        ],
        policy: &["2026-01-01T00:00:00Z", "2026-11-23T10:00:00Z", "2027-01-01"],
    },
    KeySpec {
        key: "aws:SecureTransport",
        ty: KeyType::Bool,
        request: &["true", "false"],
        policy: &["true", "false"],
    },
    KeySpec {
        key: "aws:MultiFactorAuthPresent",
        ty: KeyType::Bool,
        request: &["true", "false"],
        policy: &["true", "false"],
    },
    KeySpec {
        key: "aws:SourceIp",
        ty: KeyType::Ip,
        request: &["10.1.2.3", "192.168.1.5", "203.0.113.9", "2001:db8::1"],
        policy: &[
            "10.0.0.0/8",
            "192.168.0.0/16",
            "203.0.113.0/24",
            "2001:db8::/32",
            "10.1.2.3/32",
        ],
    },
    KeySpec {
        key: "aws:SourceArn",
        ty: KeyType::Arn,
        request: &[
            "arn:aws:s3:::logs-bucket",
            "arn:aws:sns:us-east-1:111122223333:alerts",
            "arn:aws:lambda:us-east-1:444455556666:function:x",
        ],
        policy: &[
            "arn:aws:s3:::logs-bucket",
            "arn:aws:s3:::logs-*",
            "arn:aws:sns:*:111122223333:*",
            "arn:aws:*:*:444455556666:*",
        ],
    },
    KeySpec {
        key: "aws:PrincipalTag/blob",
        ty: KeyType::Bin,
        request: &["QUJD", "REVG"],
        policy: &["QUJD", "R0hJ"],
    },
];

const OPS_STR: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
];
const OPS_NUM: &[&str] = &[
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
];
const OPS_DATE: &[&str] = &[
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
];
const OPS_ARN: &[&str] = &["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"];

struct Target {
    action: &'static str,
    others: &'static [&'static str],
    /// `{acct}` is replaced with the resource's account.
    resource: &'static str,
    patterns: &'static [&'static str],
    rcp: bool,
}

const TARGETS: &[Target] = &[
    Target {
        action: "sqs:SendMessage",
        others: &[
            "sqs:ReceiveMessage",
            "sqs:*",
            "sqs:Send*",
            "sqs:?endMessage",
        ],
        resource: "arn:aws:sqs:us-east-1:{acct}:orders",
        patterns: &[
            "arn:aws:sqs:us-east-1:{acct}:orders",
            "arn:aws:sqs:*:{acct}:*",
            "arn:aws:sqs:us-east-1:{acct}:ord?rs",
            "arn:aws:sqs:us-east-1:{acct}:other",
        ],
        rcp: true,
    },
    Target {
        action: "dynamodb:GetItem",
        others: &["dynamodb:PutItem", "dynamodb:Get*", "dynamodb:*"],
        resource: "arn:aws:dynamodb:us-east-1:{acct}:table/Orders",
        patterns: &[
            "arn:aws:dynamodb:us-east-1:{acct}:table/Orders",
            "arn:aws:dynamodb:*:*:table/*",
            "arn:aws:dynamodb:us-east-1:{acct}:table/Users",
        ],
        rcp: true,
    },
    Target {
        action: "secretsmanager:GetSecretValue",
        others: &["secretsmanager:PutSecretValue", "secretsmanager:*"],
        resource: "arn:aws:secretsmanager:us-east-1:{acct}:secret:db-AbCdEf",
        patterns: &[
            "arn:aws:secretsmanager:us-east-1:{acct}:secret:db-*",
            "arn:aws:secretsmanager:us-east-1:{acct}:secret:app-*",
        ],
        rcp: true,
    },
    Target {
        action: "sns:Publish",
        others: &["sns:Subscribe", "sns:*"],
        resource: "arn:aws:sns:us-east-1:{acct}:alerts",
        patterns: &["arn:aws:sns:us-east-1:{acct}:alerts", "arn:aws:sns:*:*:*"],
        rcp: false,
    },
    Target {
        action: "ec2:TerminateInstances",
        others: &[
            "ec2:DeleteFleets",
            "ec2:*",
            "ec2:Terminate*",
            "ec2:StopInstances",
        ],
        resource: "arn:aws:ec2:us-east-1:{acct}:instance/i-0123456789abcdef0",
        patterns: &[
            "arn:aws:ec2:us-east-1:{acct}:instance/*",
            "arn:aws:ec2:*:*:instance/i-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:{acct}:volume/*",
        ],
        rcp: false,
    },
    Target {
        action: "lambda:InvokeFunction",
        others: &["lambda:GetFunction", "lambda:Invoke*"],
        resource: "arn:aws:lambda:us-east-1:{acct}:function:handler",
        patterns: &[
            "arn:aws:lambda:us-east-1:{acct}:function:handler",
            "arn:aws:lambda:us-east-1:{acct}:function:*",
        ],
        rcp: false,
    },
];

fn fill(s: &str, acct: &str) -> String {
    s.replace("{acct}", acct)
}

struct Principal {
    arn: String,
    account: &'static str,
    user: Option<&'static str>,
    role: Option<&'static str>,
}

fn principal(rng: &mut Rng) -> Principal {
    match rng.below(5) {
        0 | 1 => {
            let u = *rng.pick(&["alice", "bob"]);
            Principal {
                arn: format!("arn:aws:iam::{ACCT}:user/{u}"),
                account: ACCT,
                user: Some(u),
                role: None,
            }
        }
        2 | 3 => Principal {
            arn: format!("arn:aws:sts::{ACCT}:assumed-role/AppRole/i-0abc"),
            account: ACCT,
            user: None,
            role: Some("AppRole"),
        },
        _ => Principal {
            arn: format!("arn:aws:iam::{OTHER}:user/carol"),
            account: OTHER,
            user: Some("carol"),
            role: None,
        },
    }
}

struct Gen<'a> {
    rng: &'a mut Rng,
    target: &'a Target,
    racct: &'static str,
}

impl Gen<'_> {
    fn str_values(&mut self, spec: &KeySpec, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| (*self.rng.pick(spec.policy)).to_owned())
            .collect()
    }

    fn condition(&mut self, into: &mut serde_json::Map<String, Value>) {
        let spec = self.rng.pick(KEYS);
        let (op, values): (String, Vec<String>) = match spec.ty {
            KeyType::Str | KeyType::Multi => {
                let mut op = (*self.rng.pick(OPS_STR)).to_owned();
                let mut vals = {
                    let n = 1 + self.rng.below(2);
                    self.str_values(spec, n)
                };
                if spec.key == "aws:PrincipalTag/team" && self.rng.chance(15) {
                    // Policy variables in condition values.
                    vals = vec![
                        (*self.rng.pick(&[
                            "${aws:PrincipalTag/team}",
                            "${aws:username}",
                            "r${*}",
                            "${aws:PrincipalTag/missing, 'red'}",
                        ]))
                        .to_owned(),
                    ];
                    if !op.contains("Like") && vals[0].contains("${*}") {
                        op = "StringLike".to_owned();
                    }
                }
                (op, vals)
            }
            KeyType::Num => (
                (*self.rng.pick(OPS_NUM)).to_owned(),
                self.str_values(spec, 1),
            ),
            KeyType::Date => (
                (*self.rng.pick(OPS_DATE)).to_owned(),
                self.str_values(spec, 1),
            ),
            KeyType::Bool => ("Bool".to_owned(), self.str_values(spec, 1)),
            KeyType::Ip => (
                (*self.rng.pick(&["IpAddress", "NotIpAddress"])).to_owned(),
                {
                    let n = 1 + self.rng.below(2);
                    self.str_values(spec, n)
                },
            ),
            KeyType::Arn => (
                (*self.rng.pick(OPS_ARN)).to_owned(),
                self.str_values(spec, 1),
            ),
            KeyType::Bin => ("BinaryEquals".to_owned(), self.str_values(spec, 1)),
        };
        let mut op = op;
        if self.rng.chance(8) {
            let v = if self.rng.chance(50) { "true" } else { "false" };
            into.insert("Null".into(), json!({ spec.key: v }));
            return;
        }
        let multi = spec.ty == KeyType::Multi;
        if multi && self.rng.chance(85) || !multi && self.rng.chance(6) {
            let set = if self.rng.chance(50) {
                "ForAllValues:"
            } else {
                "ForAnyValue:"
            };
            op = format!("{set}{op}");
        }
        if self.rng.chance(20) {
            op.push_str("IfExists");
        }
        let v = if values.len() == 1 {
            json!(values[0])
        } else {
            json!(values)
        };
        match into.get_mut(&op) {
            Some(Value::Object(m)) if !m.contains_key(spec.key) => {
                m.insert(spec.key.into(), v);
            }
            Some(_) => {}
            None => {
                into.insert(op, json!({ spec.key: v }));
            }
        }
    }

    fn statement(&mut self, resource_policy: Option<&Principal>, rcp: bool) -> Value {
        let mut s = serde_json::Map::new();
        if self.rng.chance(60) {
            s.insert("Sid".into(), json!(format!("S{}", self.rng.below(1000))));
        }
        let deny = if rcp { true } else { self.rng.chance(22) };
        s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
        if let Some(p) = resource_policy {
            let principal = match self.rng.below(7) {
                0 => json!("*"),
                1 => json!({"AWS": "*"}),
                2 => json!({"AWS": format!("arn:aws:iam::{}:root", p.account)}),
                3 => json!({"AWS": p.account}),
                4 if p.role.is_some() => {
                    json!({"AWS": format!("arn:aws:iam::{}:role/{}", p.account, p.role.unwrap_or(""))})
                }
                5 => json!({"AWS": p.arn}),
                _ => json!({"AWS": format!("arn:aws:iam::{}:user/mallory", p.account)}),
            };
            s.insert("Principal".into(), principal);
        }
        if rcp {
            s.insert("Principal".into(), json!("*"));
        }
        let t = self.target;
        let action: Value = match self.rng.below(10) {
            0..=3 => json!(t.action),
            // RCPs may not use a bare `*` action.
            4 if !rcp => json!("*"),
            5 => json!(*self.rng.pick(t.others)),
            6 => json!([*self.rng.pick(t.others), t.action]),
            7 => json!(t.action.to_uppercase()),
            _ => json!(*self.rng.pick(t.others)),
        };
        let not_action = !rcp && self.rng.chance(8);
        s.insert(
            if not_action { "NotAction" } else { "Action" }.into(),
            action,
        );
        let acct = if self.rng.chance(85) {
            self.racct
        } else {
            OTHER
        };
        let resource: Value = match self.rng.below(10) {
            0..=2 => json!("*"),
            3..=5 => json!(fill(t.resource, acct)),
            6 => json!(fill(self.rng.pick::<&str>(t.patterns), acct)),
            7 => json!([
                fill(self.rng.pick::<&str>(t.patterns), acct),
                fill(self.rng.pick::<&str>(t.patterns), acct)
            ]),
            8 if t.action.starts_with("sqs") => {
                json!(fill("arn:aws:sqs:us-east-1:{acct}:${aws:username}", acct))
            }
            _ => json!(fill(self.rng.pick::<&str>(t.patterns), acct)),
        };
        let not_resource = !rcp && self.rng.chance(6);
        s.insert(
            if not_resource {
                "NotResource"
            } else {
                "Resource"
            }
            .into(),
            resource,
        );
        let n = match self.rng.below(10) {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        if n > 0 {
            let mut cond = serde_json::Map::new();
            for _ in 0..n {
                self.condition(&mut cond);
            }
            s.insert("Condition".into(), Value::Object(cond));
        }
        Value::Object(s)
    }

    fn policy(
        &mut self,
        max_statements: usize,
        resource_policy: Option<&Principal>,
        rcp: bool,
    ) -> Value {
        let n = 1 + self.rng.below(max_statements);
        let st: Vec<Value> = (0..n)
            .map(|_| self.statement(resource_policy, rcp))
            .collect();
        let statement = if st.len() == 1 && self.rng.chance(30) {
            st[0].clone()
        } else {
            json!(st)
        };
        json!({"Version": "2012-10-17", "Statement": statement})
    }
}

fn full_access() -> Value {
    json!({"name": "FullAWSAccess", "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}})
}

/// One generated case as a JSON value.
pub fn case(rng: &mut Rng, index: usize) -> Value {
    let target = rng.pick(TARGETS);
    let p = principal(rng);
    // Mostly same-account; a share of cross-account requests.
    let racct: &'static str = if p.account == OTHER || rng.chance(10) {
        if p.account == ACCT { OTHER } else { ACCT }
    } else {
        ACCT
    };
    let mut g = Gen { rng, target, racct };
    let mut c = serde_json::Map::new();
    c.insert("name".into(), json!(format!("gen-{index}")));
    let n_ident = g.rng.below(3);
    let ident: Vec<Value> = (0..n_ident)
        .map(|i| json!({"name": format!("Identity{i}"), "policy": g.policy(3, None, false)}))
        .collect();
    c.insert("identityPolicies".into(), json!(ident));
    if g.rng.chance(30) {
        let levels = 1 + g.rng.below(2);
        let mut lv = Vec::new();
        for _ in 0..levels {
            let mut level = Vec::new();
            if g.rng.chance(80) {
                level.push(full_access());
            } else {
                level.push(json!({"name": "AllowList", "policy": g.policy(2, None, false)}));
            }
            if g.rng.chance(40) {
                level.push(json!({"name": "Guardrail", "policy": g.policy(2, None, false)}));
            }
            lv.push(Value::Array(level));
        }
        c.insert("scps".into(), json!(lv));
    }
    if target.rcp && g.rng.chance(20) {
        c.insert(
            "rcps".into(),
            json!([[{"name": "Rcp", "policy": g.policy(2, None, true)}]]),
        );
    }
    if g.rng.chance(40) || racct != p.account && g.rng.chance(80) {
        let pol = g.policy(3, Some(&p), false);
        c.insert("resourcePolicy".into(), pol);
    }
    if g.rng.chance(20) {
        c.insert(
            "boundary".into(),
            json!({"name": "Boundary", "policy": g.policy(2, None, false)}),
        );
    }
    if p.role.is_some() && g.rng.chance(25) {
        c.insert("sessionPolicy".into(), g.policy(2, None, false));
    }
    // The request context: keys present at random, so missing keys are exercised.
    let mut ctx = serde_json::Map::new();
    ctx.insert(
        "aws:PrincipalArn".into(),
        json!(match p.role {
            Some(r) => format!("arn:aws:iam::{}:role/{r}", p.account),
            None => p.arn.clone(),
        }),
    );
    ctx.insert("aws:PrincipalAccount".into(), json!(p.account));
    if let Some(u) = p.user {
        ctx.insert("aws:username".into(), json!(u));
    }
    for spec in KEYS {
        if !g.rng.chance(60) {
            continue;
        }
        let v = if spec.ty == KeyType::Multi {
            let n = 1 + g.rng.below(3);
            let mut vals: Vec<&str> = Vec::new();
            for _ in 0..n {
                let x = *g.rng.pick(spec.request);
                if !vals.contains(&x) {
                    vals.push(x);
                }
            }
            json!(vals)
        } else {
            json!(*g.rng.pick(spec.request))
        };
        // Key names are case-insensitive: sometimes spell them differently.
        let key = if g.rng.chance(5) {
            spec.key.to_lowercase()
        } else {
            spec.key.to_owned()
        };
        ctx.insert(key, v);
    }
    let resource = fill(target.resource, racct);
    c.insert(
        "request".into(),
        json!({"principal": p.arn, "action": target.action, "resource": resource, "resourceAccount": racct, "context": ctx}),
    );
    Value::Object(c)
}

/// `n` cases from `seed`.
pub fn corpus(seed: u64, n: usize) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    (0..n).map(|i| case(&mut rng, i)).collect()
}
