//! Properties: parsing never panics on arbitrary JSON or text; evaluation is
//! deterministic and the fast path agrees with the explained one.

mod support {
    pub mod corpus;
}

use authdoctor_policy::{PolicyKind, parse_case, parse_policy};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("Version".to_owned()),
        Just("Statement".to_owned()),
        Just("Effect".to_owned()),
        Just("Action".to_owned()),
        Just("NotAction".to_owned()),
        Just("Resource".to_owned()),
        Just("Principal".to_owned()),
        Just("Condition".to_owned()),
        Just("StringEquals".to_owned()),
        Just("ForAllValues:StringLike".to_owned()),
        Just("request".to_owned()),
        Just("identityPolicies".to_owned()),
        "[a-zA-Z:/${}*?]{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        prop_oneof![
            Just("Allow".to_owned()),
            Just("Deny".to_owned()),
            Just("2012-10-17".to_owned()),
            Just("*".to_owned()),
            Just("s3:GetObject".to_owned()),
            Just("arn:aws:s3:::b/${aws:username}/*".to_owned()),
            ".{0,16}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_never_panics_on_json(v in json_value()) {
        let text = v.to_string();
        for kind in [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Scp, PolicyKind::Rcp, PolicyKind::Boundary, PolicyKind::Session] {
            let _ = parse_policy(kind, "p", "p", &text);
        }
        if let Ok(c) = parse_case("c", &text) {
            let _ = c.policies.explain(&c.request);
        }
        let _ = authdoctor_policy::decode::parse_decoded(&text);
    }

    #[test]
    fn parsing_never_panics_on_text(s in ".{0,200}") {
        let _ = parse_policy(PolicyKind::Identity, "p", "p", &s);
        let _ = parse_case("c", &s);
        let _ = authdoctor_policy::decode::parse_decoded(&s);
    }

    #[test]
    fn evaluation_is_deterministic(seed in any::<u64>()) {
        let mut rng = support::corpus::Rng::new(seed);
        let case = support::corpus::case(&mut rng, 0).to_string();
        let a = parse_case("a", &case).expect("generated cases parse");
        let b = parse_case("b", &case).expect("generated cases parse");
        let d1 = a.policies.decide(&a.request);
        prop_assert_eq!(d1, a.policies.decide(&a.request));
        prop_assert_eq!(d1, b.policies.decide(&b.request));
        let e1 = a.policies.explain(&a.request);
        let e2 = b.policies.explain(&b.request);
        prop_assert_eq!(d1, e1.decision);
        prop_assert_eq!(serde_json::to_string(&e1).unwrap(), serde_json::to_string(&e2).unwrap());
    }
}

/// The trace-free verdict (`simulate --cases`, human) names the same deciding
/// statements, in the same order, and the same missing layer as the full explanation,
/// on 3,000 generated cases (every layer, Allow, explicit and implicit deny).
#[test]
fn verdict_equals_the_explanation() {
    let mut decisions = std::collections::BTreeMap::new();
    for (n, case) in support::corpus::corpus(23, 3000).iter().enumerate() {
        let case = parse_case("c", &case.to_string()).expect("generated cases parse");
        let ex = case.policies.explain(&case.request);
        let verdict = case.policies.verdict(&case.request);
        assert_eq!(verdict.decision, ex.decision, "case {n}");
        let deciding: Vec<_> = ex.deciding.iter().map(|d| d.at).collect();
        let fast: Vec<_> = verdict.deciding.iter().copied().map(Some).collect();
        assert_eq!(fast, deciding, "case {n}");
        assert_eq!(
            verdict
                .missing_allow
                .map(|m| authdoctor_policy::explain::missing_allow_message(m, &case.request)),
            ex.missing_allow.map(|m| m.message),
            "case {n}"
        );
        *decisions
            .entry(format!("{:?}", ex.decision))
            .or_insert(0usize) += 1;
    }
    // Every kind of decision was compared.
    assert_eq!(decisions.len(), 3, "{decisions:?}");
}
