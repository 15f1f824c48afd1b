//! Fix advice that was once wrong or incomplete (issue 9) and must stay right. Each test
//! reads the scenario as the knowledge base embeds it and names the file to edit.

use authdoctor_kb::{Scenario, knowledge_base};

fn scenario(id: &str) -> &'static Scenario {
    knowledge_base()
        .get(id)
        .unwrap_or_else(|| panic!("crates/kb/scenarios/{id}.toml is missing"))
}

/// Every text of the scenario a user reads: prose, steps and command descriptions.
fn prose(s: &Scenario) -> String {
    let mut text = vec![s.summary.clone(), s.root_cause.clone()];
    text.extend(s.fix.steps.iter().cloned());
    text.extend(s.fix.commands.iter().map(|c| c.description.clone()));
    text.join("\n")
}

fn bash(s: &Scenario) -> Vec<&str> {
    s.fix.commands.iter().map(|c| c.bash.as_str()).collect()
}

fn powershell(s: &Scenario) -> Vec<&str> {
    s.fix
        .commands
        .iter()
        .map(|c| c.powershell.as_str())
        .collect()
}

#[test]
fn expired_token_covers_ec2_request_expired_and_states_no_universal_refresh_margin() {
    let s = scenario("expired-token");
    assert!(
        s.signals.iter().any(|g| g
            .regex
            .as_deref()
            .is_some_and(|r| r.contains("RequestExpired"))),
        "crates/kb/scenarios/expired-token.toml: no RequestExpired signal"
    );
    assert!(s.ambiguous_with.iter().any(|a| a == "clock-skew"));
    assert!(
        scenario("clock-skew")
            .ambiguous_with
            .iter()
            .any(|a| a == "expired-token")
    );
    for check in ["clock.skew", "credentials.expiry"] {
        assert!(s.related_checks.iter().any(|c| c == check), "{check}");
        assert!(
            scenario("clock-skew")
                .related_checks
                .iter()
                .any(|c| c == check),
            "clock-skew: {check}"
        );
    }
    let text = prose(s);
    // botocore refreshes 15 minutes (advisory) / 10 minutes (mandatory) ahead, JS 5: no
    // single margin is true for every SDK.
    assert!(!text.contains("five minutes"), "{text}");
    let longer = s
        .fix
        .steps
        .iter()
        .find(|step| step.contains("longer session"))
        .unwrap_or_else(|| panic!("no 'longer session' step"));
    assert!(
        longer.contains("role chaining") && longer.contains("one hour"),
        "{longer}"
    );
}

#[test]
fn clock_skew_gives_both_chrony_layouts_a_documented_w32tm_switch_and_right_vm_prose() {
    let s = scenario("clock-skew");
    let all_bash = bash(s).join("\n");
    for needle in [
        "/etc/chrony/chrony.conf",
        "unit=chrony;",
        "/etc/chrony.conf",
        "unit=chronyd",
    ] {
        assert!(
            all_bash.contains(needle),
            "{needle} missing from {all_bash}"
        );
    }
    let all_ps = powershell(s).join("\n");
    assert!(!all_ps.contains("/force"), "{all_ps}");
    assert!(all_ps.contains("w32tm /resync /rediscover"), "{all_ps}");
    let text = prose(s);
    assert!(!text.contains("containers and VMs the clock comes from the host"));
    assert!(
        text.contains("virtual machine keeps its own clock"),
        "{text}"
    );
}

#[test]
fn credential_listings_say_what_they_show() {
    for id in ["credential-shadowing", "no-credentials"] {
        for c in &scenario(id).fix.commands {
            if c.powershell
                .contains("Get-AWSCredential -ListProfileDetail")
            {
                assert!(
                    c.description.contains("does not show which source wins"),
                    "crates/kb/scenarios/{id}.toml: `{}`",
                    c.description
                );
            }
        }
    }
}

#[test]
fn no_proxy_keeps_existing_exclusions_and_lists_every_metadata_address() {
    let s = scenario("imds-proxy");
    let c = s
        .fix
        .commands
        .iter()
        .find(|c| c.bash.contains("NO_PROXY="))
        .unwrap_or_else(|| panic!("no NO_PROXY command"));
    for address in [
        "169.254.169.254",
        "fd00:ec2::254",
        "169.254.170.2,",
        "169.254.170.23",
        "fd00:ec2::23",
    ] {
        assert!(c.bash.contains(address), "bash lacks {address}");
        assert!(c.powershell.contains(address), "PowerShell lacks {address}");
    }
    assert!(c.bash.contains("${NO_PROXY:+,$NO_PROXY}"), "{}", c.bash);
    // The existing value is read on the right-hand side, not overwritten.
    let (_, rhs) = c
        .powershell
        .split_once("$env:NO_PROXY =")
        .unwrap_or_else(|| panic!("{}", c.powershell));
    assert!(
        rhs.split(';')
            .next()
            .is_some_and(|r| r.contains("$env:NO_PROXY")),
        "{}",
        c.powershell
    );
}

#[test]
fn hop_limit_one_is_a_guard_only_with_imdsv2_required() {
    for id in ["imds-hop-limit", "credential-shadowing"] {
        let step = scenario(id)
            .fix
            .steps
            .iter()
            .find(|s| s.contains("hop limit of 1") || s.contains("hop limit 1"))
            .unwrap_or_else(|| panic!("{id}: no hop-limit-1 step"));
        assert!(step.contains("HttpTokens=required"), "{id}: {step}");
    }
}

#[test]
fn pod_identity_trust_has_no_sub_but_the_pods_service_principal() {
    let text = prose(scenario("assume-role-denied"));
    for needle in ["pods.eks.amazonaws.com", "sts:TagSession", "no `sub`"] {
        assert!(text.contains(needle), "{needle}");
    }
}

#[test]
fn decoding_permission_is_a_deliberate_decision() {
    let s = scenario("encoded-authorization-message");
    let text = prose(s);
    assert!(!text.contains("reveals only"), "{text}");
    assert!(text.contains("privileged information"), "{text}");
}

#[test]
fn an_attached_profile_is_replaced_not_associated_again() {
    let s = scenario("imds-credentials-not-found");
    assert!(
        bash(s)
            .iter()
            .any(|c| c.contains("replace-iam-instance-profile-association")
                && c.contains("--association-id"))
    );
    assert!(
        powershell(s)
            .iter()
            .any(|c| c.contains("Set-EC2IamInstanceProfileAssociation"))
    );
    assert!(prose(s).contains("IncorrectState"));
}

#[test]
fn organisation_policy_listings_cover_rcps() {
    let s = scenario("access-denied-scp");
    assert!(
        bash(s)
            .iter()
            .any(|c| c.contains("--filter RESOURCE_CONTROL_POLICY"))
    );
    assert!(
        powershell(s)
            .iter()
            .any(|c| c.contains("-Filter RESOURCE_CONTROL_POLICY"))
    );
}

#[test]
fn v2_tokens_come_with_a_length_warning() {
    let s = scenario("invalid-client-token");
    let c = s
        .fix
        .commands
        .iter()
        .find(|c| c.bash.contains("v2Token"))
        .unwrap_or_else(|| panic!("no v2Token command"));
    assert!(c.description.contains("longer"), "{}", c.description);
}

#[test]
fn dlm_offers_its_default_roles() {
    let all = bash(scenario("dlm-role-insufficient")).join("\n");
    for kind in ["snapshot", "image"] {
        assert!(
            all.contains(&format!(
                "aws dlm create-default-role --resource-type {kind}"
            )),
            "{kind}"
        );
    }
}
