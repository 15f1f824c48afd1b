//! The rule engine: clues in, ranked verdicts out.
//!
//! A *clue* is one rule of one scenario that matched somewhere: a text signal on a line,
//! or an observation rule on an observation (read from text or made by a probe). The
//! engine is generic over where a clue sits (`L`: a span of text, a probe), so `explain`
//! and `check` decide with the same code and the same data:
//!
//! 1. [`score`]: per scenario, the noisy-OR of the weights of its clues whose `requires`
//!    are met, damped by its negative clues.
//! 2. [`apply_precedence`]: a symptom (`no-credentials`, `encoded-authorization-message`)
//!    yields to a cause that `explains` it and was seen in the same story; the cause
//!    leads, its confidence rises with the symptom's, and the symptom's evidence is kept
//!    with the role `symptom`.
//! 3. [`alternatives`]: the candidates the same clues allow and the checks whose results
//!    separate them (`ambiguous_with`, `separated_by` of the scenario files).

use std::collections::{BTreeMap, BTreeSet};

use authdoctor_kb::{CheckId, Precedence, Role, Scenario, ScenarioId, knowledge_base};

/// A cause must score at least this to take the lead from a symptom it explains.
pub const CAUSE_FLOOR: f64 = 0.3;
/// The lowest score that makes a finding of its own.
pub const REPORT_FLOOR: f64 = 0.5;
/// Clues weaker than this are context (a service's name, an address), not what a
/// message says.
const CONTEXT_WEIGHT: f64 = 0.1;
/// Candidates below this score are not worth naming (unless the scenario file says the
/// two are ambiguous).
pub const CANDIDATE_FLOOR: f64 = 0.3;
/// Candidates named at most.
const MAX_CANDIDATES: usize = 8;

/// Which rule of a scenario matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleRef {
    /// `signals[i]` of the scenario file.
    Signal(usize),
    /// `observations[i]` of the scenario file.
    Observation(usize),
}

impl RuleRef {
    fn rule<'a>(self, scenario: &'a Scenario) -> Option<RuleView<'a>> {
        match self {
            RuleRef::Signal(i) => scenario.signals.get(i).map(|s| RuleView {
                name: &s.name,
                weight: s.weight,
                requires: &s.requires,
                unless: &s.unless,
                incidental: s.incidental,
                soft: s.soft,
                label: &s.label,
            }),
            RuleRef::Observation(i) => scenario.observations.get(i).map(|o| RuleView {
                name: &o.name,
                weight: o.weight,
                requires: &o.requires,
                unless: &o.unless,
                incidental: o.incidental,
                soft: false,
                label: &o.label,
            }),
        }
    }

    /// The rule's evidence kind and label, for rendering.
    pub fn describe(self, scenario: &Scenario) -> (String, String) {
        match self {
            RuleRef::Signal(i) => scenario
                .signals
                .get(i)
                .map(|s| (s.name.clone(), s.label.clone()))
                .unwrap_or_default(),
            RuleRef::Observation(i) => scenario
                .observations
                .get(i)
                .map(|o| (o.name.clone(), o.label.clone()))
                .unwrap_or_default(),
        }
    }
}

struct RuleView<'a> {
    name: &'a str,
    weight: f64,
    requires: &'a [String],
    unless: &'a [String],
    incidental: bool,
    soft: bool,
    label: &'a str,
}

/// One matched rule at one place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clue<L> {
    pub scenario: ScenarioId,
    pub rule: RuleRef,
    pub at: L,
}

/// A scenario's score and the evidence it rests on, strongest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored<L> {
    pub scenario: ScenarioId,
    pub score: f64,
    /// (scenario of the rule, rule, where, role). Clues of at least [`CAUSE_FLOOR`] of a
    /// scenario that explains symptoms are `Cause`; absorbed symptoms' are `Symptom`;
    /// the rest `Context`.
    pub evidence: Vec<(ScenarioId, RuleRef, L, Role)>,
    /// Symptom scenarios this one explained and absorbed.
    pub absorbed: Vec<ScenarioId>,
    /// Absorbed scenarios that are causes in their own right and that the clues
    /// supported at least as strongly as this one (a 401 read as a dropped token answer
    /// absorbs `imds-token-invalid`, which the same 401 shows): still candidates.
    pub rivals: Vec<(ScenarioId, f64)>,
    /// Whether the text showed nothing of this scenario but context (an address, a
    /// service's name) that other scenarios share, and no counter against it (a `soft`
    /// one, which speaks for another reading, does not count): as a candidate it counts
    /// as unseen.
    pub context_only: bool,
}

/// Scores every scenario with at least one positive clue, best first (ties keep
/// catalogue order). Each rule counts once, at its first place.
pub fn score<L: Copy + Ord>(clues: &[Clue<L>]) -> Vec<Scored<L>> {
    let kb = knowledge_base();
    let mut out = Vec::new();
    for (id, rules) in rules_by_scenario(clues) {
        let scenario = kb.scenario(id);
        let names: BTreeSet<&str> = rules
            .iter()
            .filter_map(|(r, _)| r.rule(scenario).map(|v| v.name))
            .collect();
        // Clues of one name and label are one fact in several wordings (the two
        // headlines of one chain-exhausted error, an exception and the frame that threw
        // it): the strongest counts, once, for and against alike.
        let mut strongest: BTreeMap<(&str, &str), f64> = BTreeMap::new();
        let mut damps: BTreeMap<(&str, &str), f64> = BTreeMap::new();
        let mut evidence: Vec<(f64, RuleRef, L)> = Vec::new();
        // Whether a counter against this reading (not merely for another one) applied.
        let mut countered = false;
        for (rule, at) in rules {
            let Some(view) = rule.rule(scenario) else {
                continue;
            };
            if !applies(&view, &names) {
                continue;
            }
            if view.weight >= 0.0 {
                let weight = view.weight.min(1.0);
                strongest
                    .entry((view.name, view.label))
                    .and_modify(|w| *w = f64::max(*w, weight))
                    .or_insert(weight);
                evidence.push((view.weight, rule, at));
            } else {
                countered |= !view.soft;
                let factor = 1.0 + view.weight.max(-1.0);
                damps
                    .entry((view.name, view.label))
                    .and_modify(|d| *d = f64::min(*d, factor))
                    .or_insert(factor);
            }
        }
        if evidence.is_empty() {
            continue;
        }
        let miss: f64 = strongest.values().map(|w| 1.0 - w).product();
        let damp: f64 = damps.values().product();
        // Context alone, which only a soft counter (one for another reading) lowered,
        // rules nothing out; a counter against this reading does.
        let context_only = !countered && evidence.iter().all(|e| e.0 < CONTEXT_WEIGHT);
        evidence.sort_by(|a, b| b.0.total_cmp(&a.0));
        let is_cause = !scenario.explains.is_empty();
        out.push(Scored {
            scenario: id,
            score: (1.0 - miss) * damp,
            evidence: evidence
                .into_iter()
                .map(|(weight, rule, at)| {
                    // A clue strong enough to name a cause is marked as the cause;
                    // faint context (a bare address) stays context.
                    let role = if is_cause && weight >= CAUSE_FLOOR {
                        Role::Cause
                    } else {
                        Role::Context
                    };
                    (id, rule, at, role)
                })
                .collect(),
            absorbed: Vec::new(),
            rivals: Vec::new(),
            context_only,
        });
    }
    sort(&mut out);
    out
}

/// The clues' rules per scenario, each rule once, at its first place.
fn rules_by_scenario<L: Copy + Ord>(clues: &[Clue<L>]) -> BTreeMap<ScenarioId, Vec<(RuleRef, L)>> {
    let mut first: BTreeMap<(ScenarioId, RuleRef), L> = BTreeMap::new();
    for clue in clues {
        first
            .entry((clue.scenario, clue.rule))
            .and_modify(|at| {
                if clue.at < *at {
                    *at = clue.at;
                }
            })
            .or_insert(clue.at);
    }
    let mut by_scenario: BTreeMap<ScenarioId, Vec<(RuleRef, L)>> = BTreeMap::new();
    for ((scenario, rule), at) in first {
        by_scenario.entry(scenario).or_default().push((rule, at));
    }
    by_scenario
}

/// Whether a rule counts, given the names of the rules that matched for its scenario:
/// all it `requires` matched and nothing it lists under `unless`.
fn applies(view: &RuleView<'_>, names: &BTreeSet<&str>) -> bool {
    view.requires.iter().all(|r| names.contains(r.as_str()))
        && !view.unless.iter().any(|u| names.contains(u.as_str()))
}

/// Scenarios the clues speak against and not for: a counter against the reading (not a
/// `soft` one, which speaks for another) applied, and no positive clue did. [`score`]
/// lists only scenarios with a positive clue, so without this a scenario file's
/// `ambiguous_with` would name such a scenario as unseen, one the text "cannot rule
/// out", although the text did (a 404 from the metadata service rules out a missing
/// token).
pub fn ruled_out<L: Copy + Ord>(clues: &[Clue<L>]) -> BTreeSet<ScenarioId> {
    let kb = knowledge_base();
    let mut out = BTreeSet::new();
    for (id, rules) in rules_by_scenario(clues) {
        let scenario = kb.scenario(id);
        let views: Vec<RuleView<'_>> = rules.iter().filter_map(|(r, _)| r.rule(scenario)).collect();
        let names: BTreeSet<&str> = views.iter().map(|v| v.name).collect();
        let applying = || views.iter().filter(|v| applies(v, &names));
        if applying().any(|v| v.weight < 0.0 && !v.soft) && !applying().any(|v| v.weight >= 0.0) {
            out.insert(id);
        }
    }
    out
}

fn sort<L>(scored: &mut [Scored<L>]) {
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.scenario.cmp(&b.scenario))
    });
}

/// Judges observations that come without text (probes, policy decisions): every rule
/// of every scenario against each, scored, causes ahead of the symptoms they explain.
/// The places are indices into `observations`.
pub fn judge(observations: &[crate::Observation]) -> Vec<Scored<usize>> {
    // A judged decision meets a dozen rules or so: room for them from the start.
    let mut clues = Vec::with_capacity(16);
    for (at, observation) in observations.iter().enumerate() {
        for &(id, ri, rule) in observation_rules() {
            if observation.matches(rule) {
                clues.push(Clue {
                    scenario: id,
                    rule: RuleRef::Observation(ri),
                    at,
                });
            }
        }
    }
    apply_precedence(score(&clues), |_, _| true)
}

/// Every observation rule of every scenario, in catalogue order (scenario, then rule),
/// listed once: `judge` runs for every denied case of `simulate --cases`.
fn observation_rules() -> &'static [(ScenarioId, usize, &'static authdoctor_kb::ObservationRule)] {
    static RULES: std::sync::OnceLock<
        Vec<(ScenarioId, usize, &'static authdoctor_kb::ObservationRule)>,
    > = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        let kb = knowledge_base();
        ScenarioId::ALL
            .iter()
            .flat_map(|&id| {
                kb.scenario(id)
                    .observations
                    .iter()
                    .enumerate()
                    .map(move |(ri, rule)| (id, ri, rule))
            })
            .collect()
    })
}

/// Whether `cause` explains `symptom` according to the scenario files.
pub fn explains(cause: ScenarioId, symptom: ScenarioId) -> bool {
    knowledge_base()
        .scenario(cause)
        .explains
        .iter()
        .any(|s| s == symptom.as_str())
}

/// Whether `id` explains symptoms of its own.
fn is_cause(id: ScenarioId) -> bool {
    !knowledge_base().scenario(id).explains.is_empty()
}

/// Whether some scenario names `id` among the symptoms it explains.
pub fn is_symptom(id: ScenarioId) -> bool {
    ScenarioId::ALL.iter().any(|&c| explains(c, id))
}

/// The confidence of a cause that explains a symptom seen with it: the symptom adds
/// half its weight as independent evidence.
pub fn combine(cause: f64, symptom: f64) -> f64 {
    1.0 - (1.0 - cause) * (1.0 - symptom / 2.0)
}

/// Lets every symptom yield to the best cause that explains it and scored at least
/// [`CAUSE_FLOOR`]: the cause absorbs the symptom's evidence (role `Symptom`) and
/// score. `before(a, b)` tells whether place `a` comes before place `b` on a line of
/// its own (for causes whose `precedence` is `story`). Returns the list re-sorted, best
/// first.
pub fn apply_precedence<L: Copy>(
    mut scored: Vec<Scored<L>>,
    before: impl Fn(&L, &L) -> bool,
) -> Vec<Scored<L>> {
    let kb = knowledge_base();
    // What each scenario's own clues scored, before any symptom added to it.
    let own: BTreeMap<ScenarioId, f64> = scored.iter().map(|s| (s.scenario, s.score)).collect();
    loop {
        let mut merge: Option<(usize, usize)> = None;
        for (si, symptom) in scored.iter().enumerate() {
            // Where the symptom was said: its clues, not the faint context around them
            // (the metadata address on the cause's own line is no symptom).
            let said: Vec<&L> = {
                let substantive: Vec<&L> = symptom
                    .evidence
                    .iter()
                    .filter(|(id, rule, _, _)| {
                        rule.rule(kb.scenario(*id))
                            .is_some_and(|r| r.weight >= CONTEXT_WEIGHT)
                    })
                    .map(|(_, _, at, _)| at)
                    .collect();
                if substantive.is_empty() {
                    symptom.evidence.iter().map(|(_, _, at, _)| at).collect()
                } else {
                    substantive
                }
            };
            // A `story` cause must have been seen somewhere before all of that, not
            // only inside the symptom's own message, by evidence of its own: neither
            // faint context nor a clue its file calls incidental.
            let seen_before = |c: &Scored<L>| match kb.scenario(c.scenario).precedence {
                Precedence::Any => true,
                Precedence::Story => c.evidence.iter().any(|(id, rule, at, _)| {
                    rule.rule(kb.scenario(*id))
                        .is_some_and(|r| r.weight >= CONTEXT_WEIGHT && !r.incidental)
                        && said.iter().all(|s| before(at, s))
                }),
            };
            // A faint cause does not swallow a symptom that is a finding on its own:
            // together they would fall below the report floor and say nothing at all.
            let keeps_it_reported = |c: &Scored<L>| {
                symptom.score < REPORT_FLOOR || combine(c.score, symptom.score) >= REPORT_FLOOR
            };
            let best_cause = scored
                .iter()
                .enumerate()
                .filter(|(ci, c)| {
                    *ci != si
                        && c.score >= CAUSE_FLOOR
                        && explains(c.scenario, symptom.scenario)
                        && seen_before(c)
                        && keeps_it_reported(c)
                })
                .max_by(|a, b| a.1.score.total_cmp(&b.1.score));
            if let Some((ci, _)) = best_cause {
                merge = Some((ci, si));
                break;
            }
        }
        let Some((ci, si)) = merge else {
            break;
        };
        let symptom = scored.remove(si);
        let ci = if si < ci { ci - 1 } else { ci };
        let cause = &mut scored[ci];
        if is_cause(symptom.scenario) && symptom.score >= own[&cause.scenario] {
            cause.rivals.push((symptom.scenario, symptom.score));
        }
        cause.rivals.extend(symptom.rivals);
        cause.score = combine(cause.score, symptom.score);
        cause.evidence.extend(
            symptom
                .evidence
                .into_iter()
                .map(|(id, rule, at, _)| (id, rule, at, Role::Symptom)),
        );
        cause.absorbed.push(symptom.scenario);
        cause.absorbed.extend(symptom.absorbed);
    }
    sort(&mut scored);
    scored
}

/// Whether a candidate that scored `candidate` stays open beside a lead that scored
/// `lead`: it scored close to the lead, or the text showed nothing of it (score 0, as
/// [`alternatives`] gives a scenario seen only through shared context). One that a
/// counter against it damped to a low score is ruled out.
pub fn cannot_rule_out(candidate: f64, lead: f64) -> bool {
    candidate >= lead - 0.15 || candidate == 0.0
}

/// The candidates for a finding of `lead` given every score of its story, and the
/// checks that separate them: scenarios that scored at least [`CANDIDATE_FLOOR`] and
/// the ones the scenario file calls ambiguous (score 0 when the text showed nothing of
/// them), minus the symptoms `lead` absorbed that are not its rivals and the ambiguous
/// ones the text ruled out ([`ruled_out`]).
pub fn alternatives<L>(
    lead: ScenarioId,
    lead_score: f64,
    scored: &[Scored<L>],
    absorbed: &[ScenarioId],
    rivals: &[(ScenarioId, f64)],
    ruled_out: &BTreeSet<ScenarioId>,
) -> (Vec<(ScenarioId, f64)>, Vec<CheckId>) {
    let kb = knowledge_base();
    let own = kb.scenario(lead);
    // A rival ranks below the cause that explains it, whatever its own score.
    let mut candidates: Vec<(ScenarioId, f64)> = rivals
        .iter()
        .map(|&(id, score)| (id, score.min(lead_score)))
        .collect();
    candidates.extend(
        scored
            .iter()
            .filter(|s| s.scenario != lead && !absorbed.contains(&s.scenario))
            .filter(|s| {
                s.score >= CANDIDATE_FLOOR
                    || own.ambiguous_with.iter().any(|a| a == s.scenario.as_str())
            })
            // Context alone (an address both share) tells nothing of it: unseen.
            .map(|s| (s.scenario, if s.context_only { 0.0 } else { s.score })),
    );
    let absorbed: Vec<ScenarioId> = absorbed
        .iter()
        .copied()
        .filter(|a| !rivals.iter().any(|(r, _)| r == a))
        .collect();
    for other in &own.ambiguous_with {
        let Some(id) = ScenarioId::parse(other) else {
            continue;
        };
        if !candidates.iter().any(|(c, _)| *c == id)
            && !absorbed.contains(&id)
            && !ruled_out.contains(&id)
        {
            candidates.push((id, 0.0));
        }
    }
    candidates.truncate(MAX_CANDIDATES);
    // Only candidates the text cannot rule out need separating.
    let close: Vec<ScenarioId> = candidates
        .iter()
        .filter(|(_, c)| cannot_rule_out(*c, lead_score))
        .map(|(id, _)| *id)
        .collect();
    let mut checks: BTreeSet<CheckId> = BTreeSet::new();
    if !own.separated_by.is_empty() {
        // The scenario file names the checks that separate it from its neighbours.
        checks.extend(own.separated_by.iter().filter_map(|c| CheckId::parse(c)));
    } else if !close.is_empty() {
        for id in std::iter::once(lead).chain(close) {
            let s = kb.scenario(id);
            let list = if s.separated_by.is_empty() {
                &s.related_checks
            } else {
                &s.separated_by
            };
            checks.extend(list.iter().filter_map(|c| CheckId::parse(c)));
        }
    }
    (candidates, checks.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal_named(id: ScenarioId, name: &str) -> RuleRef {
        let s = knowledge_base().scenario(id);
        let i = s
            .signals
            .iter()
            .position(|g| g.name == name && g.weight > 0.5)
            .unwrap_or_else(|| panic!("{id} has no strong signal {name}"));
        RuleRef::Signal(i)
    }

    #[test]
    fn a_cause_takes_the_lead_from_the_symptom_it_explains() {
        let hop = ScenarioId::parse("imds-hop-limit").unwrap_or_else(|| panic!("id"));
        let none = ScenarioId::parse("no-credentials").unwrap_or_else(|| panic!("id"));
        assert!(explains(hop, none), "the scenario file says so");
        let clues = [
            Clue {
                scenario: hop,
                rule: signal_named(hop, "token-timeout"),
                at: 3usize,
            },
            Clue {
                scenario: none,
                rule: signal_named(none, "sdk-message"),
                at: 9usize,
            },
        ];
        let scored = score(&clues);
        assert_eq!(
            scored[0].scenario, none,
            "the final line alone scores higher"
        );
        let decided = apply_precedence(scored, |a, b| a < b);
        assert_eq!(decided.len(), 1);
        assert_eq!(decided[0].scenario, hop);
        assert_eq!(decided[0].absorbed, vec![none]);
        let roles: Vec<Role> = decided[0].evidence.iter().map(|e| e.3).collect();
        assert_eq!(roles, vec![Role::Cause, Role::Symptom]);
    }

    #[test]
    fn a_cause_that_absorbs_a_better_supported_cause_keeps_it_as_a_candidate() {
        let hop = ScenarioId::parse("imds-hop-limit").unwrap_or_else(|| panic!("id"));
        let token = ScenarioId::parse("imds-token-invalid").unwrap_or_else(|| panic!("id"));
        let none = ScenarioId::parse("no-credentials").unwrap_or_else(|| panic!("id"));
        assert!(explains(hop, token) && is_cause(token) && !is_cause(none));
        let get_401 = knowledge_base()
            .scenario(token)
            .observations
            .iter()
            .position(|o| o.name == "get-401")
            .map(RuleRef::Observation)
            .unwrap_or_else(|| panic!("imds-token-invalid has no get-401 rule"));
        // botocore's lone "status code of 401" line: read as a fallback after a lost
        // token answer, but the same 401 is what an invalid token gets.
        let clues = [
            Clue {
                scenario: hop,
                rule: signal_named(hop, "sdk-401"),
                at: 1usize,
            },
            Clue {
                scenario: token,
                rule: get_401,
                at: 1usize,
            },
            Clue {
                scenario: none,
                rule: signal_named(none, "sdk-message"),
                at: 2usize,
            },
        ];
        let decided = apply_precedence(score(&clues), |a, b| a <= b);
        assert_eq!(decided.len(), 1);
        let lead = &decided[0];
        assert_eq!(lead.scenario, hop);
        assert_eq!(lead.rivals.iter().map(|r| r.0).collect::<Vec<_>>(), [token]);
        let (candidates, _) = alternatives(
            hop,
            lead.score,
            &decided,
            &lead.absorbed,
            &lead.rivals,
            &BTreeSet::new(),
        );
        let named: Vec<ScenarioId> = candidates.iter().map(|c| c.0).collect();
        assert!(named.contains(&token), "{named:?}");
        assert!(!named.contains(&none), "{named:?}");
        assert!(candidates.iter().all(|c| c.1 <= lead.score));
    }

    #[test]
    fn a_faint_cause_does_not_swallow_a_reported_symptom() {
        let sso = ScenarioId::parse("sso-session-expired").unwrap_or_else(|| panic!("id"));
        let none = ScenarioId::parse("no-credentials").unwrap_or_else(|| panic!("id"));
        assert!(explains(sso, none), "the scenario file says so");
        let rule_weighing = |id: ScenarioId, wanted: fn(f64) -> bool| {
            let s = knowledge_base().scenario(id);
            s.signals
                .iter()
                .position(|g| wanted(g.weight) && g.requires.is_empty())
                .map(RuleRef::Signal)
                .unwrap_or_else(|| panic!("{id} has no signal of that weight"))
        };
        // The CDK CLI's "Unable to resolve AWS account to use": a modest no-credentials
        // clue and a faint hint of an expired SSO session on the same line.
        let clues = [
            Clue {
                scenario: sso,
                rule: rule_weighing(sso, |w| (CAUSE_FLOOR..0.35).contains(&w)),
                at: 1usize,
            },
            Clue {
                scenario: none,
                rule: rule_weighing(none, |w| (REPORT_FLOOR..0.6).contains(&w)),
                at: 1usize,
            },
        ];
        let scored = score(&clues);
        let cause = scored.iter().find(|s| s.scenario == sso).map(|s| s.score);
        let symptom = scored.iter().find(|s| s.scenario == none).map(|s| s.score);
        let (Some(cause), Some(symptom)) = (cause, symptom) else {
            panic!("both scored: {scored:?}");
        };
        assert!(symptom >= REPORT_FLOOR && combine(cause, symptom) < REPORT_FLOOR);
        let decided = apply_precedence(scored, |a, b| a <= b);
        assert_eq!(decided[0].scenario, none, "{decided:?}");
        assert!(decided.iter().any(|s| s.scenario == sso), "{decided:?}");
    }

    #[test]
    fn a_symptom_alone_names_its_causes_and_the_checks_that_separate_them() {
        let none = ScenarioId::parse("no-credentials").unwrap_or_else(|| panic!("id"));
        let clues = [Clue {
            scenario: none,
            rule: signal_named(none, "sdk-message"),
            at: 1usize,
        }];
        let scored = apply_precedence(score(&clues), |a, b| a < b);
        let (candidates, checks) =
            alternatives(none, scored[0].score, &scored, &[], &[], &BTreeSet::new());
        assert!(!candidates.is_empty());
        assert!(!checks.is_empty());
    }

    #[test]
    fn what_the_text_shows_only_context_of_is_not_ruled_out() {
        // Unseen: open. Close to the lead: open. Clearly weaker, or damped by a counter
        // to a trace: ruled out.
        assert!(cannot_rule_out(0.0, 0.9));
        assert!(cannot_rule_out(0.8, 0.9));
        assert!(!cannot_rule_out(0.4, 0.9));
        assert!(!cannot_rule_out(0.02, 0.9));
        // A scenario seen only through context a rival shares counts as unseen.
        let throttled = ScenarioId::parse("imds-throttled").unwrap_or_else(|| panic!("id"));
        let unreachable = ScenarioId::parse("imds-unreachable").unwrap_or_else(|| panic!("id"));
        let kb = knowledge_base();
        let context = kb
            .scenario(throttled)
            .signals
            .iter()
            .position(|s| s.weight > 0.0 && s.weight < CONTEXT_WEIGHT)
            .unwrap_or_else(|| panic!("imds-throttled has a context signal"));
        let clues = [Clue {
            scenario: throttled,
            rule: RuleRef::Signal(context),
            at: 1usize,
        }];
        let scored = score(&clues);
        assert!(scored[0].context_only && scored[0].score > 0.0);
        let (candidates, _) = alternatives(unreachable, 0.9, &scored, &[], &[], &BTreeSet::new());
        assert!(candidates.contains(&(throttled, 0.0)), "{candidates:?}");
        // Context that a soft counter lowered (the chain's generic last words speak for
        // "no credentials", not against an unreachable service) is still unseen; context
        // that a counter against the reading lowered is ruled out.
        let none = ScenarioId::parse("no-credentials").unwrap_or_else(|| panic!("id"));
        let signals = &kb.scenario(unreachable).signals;
        let context = signals
            .iter()
            .position(|s| s.weight > 0.0 && s.weight < CONTEXT_WEIGHT)
            .unwrap_or_else(|| panic!("imds-unreachable has a context signal"));
        for soft in [true, false] {
            let counter = signals
                .iter()
                .position(|s| s.weight < 0.0 && s.soft == soft && s.requires.is_empty())
                .unwrap_or_else(|| panic!("imds-unreachable has a counter (soft: {soft})"));
            let clues = [context, counter].map(|i| Clue {
                scenario: unreachable,
                rule: RuleRef::Signal(i),
                at: 1usize,
            });
            let scored = score(&clues);
            assert_eq!(scored[0].context_only, soft, "{:?}", scored[0].score);
            let (candidates, _) = alternatives(none, 0.9, &scored, &[], &[], &BTreeSet::new());
            let named = candidates.iter().find(|(id, _)| *id == unreachable);
            assert_eq!(
                named.is_some_and(|(_, c)| cannot_rule_out(*c, 0.9)),
                soft,
                "{candidates:?}"
            );
        }
    }

    #[test]
    fn a_counter_alone_rules_out_what_the_scenario_file_calls_ambiguous() {
        // `no-credentials` names `imds-unreachable` as ambiguous. With only a counter
        // against the reading matched, the text ruled it out; a soft counter (one for
        // another reading) or a positive clue beside the counter leaves it open.
        let kb = knowledge_base();
        let none = ScenarioId::parse("no-credentials").unwrap_or_else(|| panic!("id"));
        let unreachable = ScenarioId::parse("imds-unreachable").unwrap_or_else(|| panic!("id"));
        let signals = &kb.scenario(unreachable).signals;
        let counter = |soft: bool| {
            signals
                .iter()
                .position(|s| s.weight < 0.0 && s.soft == soft && s.requires.is_empty())
                .unwrap_or_else(|| panic!("imds-unreachable has a counter (soft: {soft})"))
        };
        let positive = signals
            .iter()
            .position(|s| s.weight >= CAUSE_FLOOR && s.requires.is_empty())
            .unwrap_or_else(|| panic!("imds-unreachable has a clue of its own"));
        let clue = |i: usize| Clue {
            scenario: unreachable,
            rule: RuleRef::Signal(i),
            at: 1usize,
        };
        let named_open = |clues: &[Clue<usize>]| {
            let scored = score(clues);
            let (candidates, _) = alternatives(none, 0.9, &scored, &[], &[], &ruled_out(clues));
            candidates
                .iter()
                .any(|(id, c)| *id == unreachable && cannot_rule_out(*c, 0.9))
        };
        assert_eq!(
            ruled_out(&[clue(counter(false))]),
            BTreeSet::from([unreachable])
        );
        assert!(!named_open(&[clue(counter(false))]));
        assert!(ruled_out(&[clue(counter(true))]).is_empty());
        assert!(named_open(&[clue(counter(true))]));
        assert!(ruled_out(&[clue(counter(false)), clue(positive)]).is_empty());
    }
}
