//! The scan as SQL, for data too large to download: Athena/Trino over the trail's S3
//! prefix (the CloudTrail table of the Athena docs, with partition projection on
//! `account`, `region` and `timestamp`), or a CloudTrail Lake event data store.
//!
//! The queries group exactly as `scan` does, without the scenario (SQL cannot run the
//! diagnosis engine): failures by (error code, event source, event name, principal)
//! with the same error-code list, the same principal fallback and the same exclusion of
//! the billing console's "IAM user access not activated"; IMDSv1 credentials by access
//! key. The test suite runs the Athena text on DuckDB over the real data sets and
//! compares the counts with `scan`'s.

use std::fmt::Write as _;

use crate::record::{BILLING_ACCESS_MESSAGE, auth_error_spellings};
use crate::{Options, event_time_text};

/// Table and event data store names go into SQL unquoted: allow identifier characters
/// only (and `.` for `database.table`, `-` for EDS ids).
fn check_name(name: &str, what: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} `{}` is not a plain SQL name (letters, digits, _ . -)",
            authdoctor_redact::clean(name)
        ))
    }
}

/// A SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn code_list() -> String {
    auth_error_spellings()
        .iter()
        .map(|c| literal(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `YYYY/MM/DD` partition value of a time, shifted by `days`.
fn partition_day(t: jiff::Timestamp, days: i64) -> String {
    let shifted = t
        .checked_add(jiff::SignedDuration::from_hours(24 * days))
        .unwrap_or(t);
    shifted.strftime("%Y/%m/%d").to_string()
}

/// Partition-projection and record predicates, shared by both Athena queries. The
/// `timestamp` partition is the delivery day: a day of slack after `--until`, none
/// needed before `--since` (files are delivered after their events).
fn athena_predicates(options: &Options) -> Vec<String> {
    let mut p = Vec::new();
    if let Some(account) = &options.account {
        p.push(format!("account = {}", literal(account)));
        p.push(format!(
            "(recipientaccountid IS NULL OR recipientaccountid = {})",
            literal(account)
        ));
    }
    if let Some(region) = &options.region {
        p.push(format!("region = {}", literal(region)));
        p.push(format!("awsregion = {}", literal(region)));
    }
    if let Some(since) = options.since {
        p.push(format!(
            "\"timestamp\" >= {}",
            literal(&partition_day(since, 0))
        ));
        p.push(format!("eventtime >= {}", literal(&event_time_text(since))));
    }
    if let Some(until) = options.until {
        p.push(format!(
            "\"timestamp\" <= {}",
            literal(&partition_day(until, 1))
        ));
        p.push(format!("eventtime <= {}", literal(&event_time_text(until))));
    }
    p
}

fn and_all(out: &mut String, predicates: &[String]) {
    for p in predicates {
        let _ = writeln!(out, "  AND {p}");
    }
}

/// The principal as `scan` names it (`Record::principal`).
const PRINCIPAL_ATHENA: &str = "coalesce(nullif(useridentity.arn, ''), nullif(useridentity.invokedby, ''), nullif(useridentity.principalid, ''), 'unknown')";

/// Athena (Trino, engine v3) SQL for a CloudTrail table created as in the Athena docs.
pub fn athena(table: &str, options: &Options) -> Result<String, String> {
    check_name(table, "table")?;
    let predicates = athena_predicates(options);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- authdoctor scan as Athena SQL (Trino). Table: the CloudTrail table of the Athena docs\n\
         -- (PARTITIONED BY account, region, \"timestamp\" with partition projection; declare\n\
         -- useridentity.sessioncontext.ec2roledelivery). Scenarios: paste a group's\n\
         -- example_message into `authdoctor explain`.\n"
    );
    let _ = writeln!(out, "-- 1. Refused calls, grouped as `scan` groups them");
    let _ = writeln!(
        out,
        "SELECT errorcode AS error_code,\n\
         \x20      eventsource AS event_source,\n\
         \x20      eventname AS event_name,\n\
         \x20      {PRINCIPAL_ATHENA} AS principal,\n\
         \x20      count(*) AS count,\n\
         \x20      min(eventtime) AS first_seen,\n\
         \x20      max(eventtime) AS last_seen,\n\
         \x20      slice(array_agg(DISTINCT sourceipaddress), 1, 10) AS source_ips,\n\
         \x20      slice(array_agg(DISTINCT useragent), 1, 10) AS user_agents,\n\
         \x20      arbitrary(eventid) AS example_event_id,\n\
         \x20      arbitrary(errormessage) AS example_message\n\
         FROM {table}\n\
         WHERE errorcode IN ({})\n\
         \x20 AND coalesce(errormessage, '') <> {}",
        code_list(),
        literal(BILLING_ACCESS_MESSAGE)
    );
    and_all(&mut out, &predicates);
    let _ = writeln!(out, "GROUP BY 1, 2, 3, 4\nORDER BY count DESC;\n");
    let _ = writeln!(
        out,
        "-- 2. Role credentials delivered through IMDSv1, one row per access key"
    );
    let _ = writeln!(
        out,
        "SELECT useridentity.accesskeyid AS access_key_id,\n\
         \x20      arbitrary(element_at(split(useridentity.arn, '/'), -1)) AS instance_id,\n\
         \x20      arbitrary(useridentity.sessioncontext.sessionissuer.arn) AS role,\n\
         \x20      count(*) AS count,\n\
         \x20      slice(array_agg(DISTINCT eventsource), 1, 10) AS event_sources,\n\
         \x20      slice(array_agg(DISTINCT useragent), 1, 10) AS user_agents,\n\
         \x20      min(eventtime) AS first_seen,\n\
         \x20      max(eventtime) AS last_seen\n\
         FROM {table}\n\
         WHERE useridentity.sessioncontext.ec2roledelivery = '1.0'"
    );
    and_all(&mut out, &predicates);
    let _ = writeln!(out, "GROUP BY 1\nORDER BY count DESC;");
    Ok(out)
}

/// CloudTrail Lake SQL (its restricted SELECT subset; `eventtime` is a timestamp).
pub fn lake(eds: &str, options: &Options) -> Result<String, String> {
    check_name(eds, "event data store")?;
    let mut predicates = Vec::new();
    if let Some(account) = &options.account {
        predicates.push(format!("recipientaccountid = {}", literal(account)));
    }
    if let Some(region) = &options.region {
        predicates.push(format!("awsregion = {}", literal(region)));
    }
    let lake_time = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M:%S").to_string();
    if let Some(since) = options.since {
        predicates.push(format!("eventtime >= {}", literal(&lake_time(since))));
    }
    if let Some(until) = options.until {
        predicates.push(format!("eventtime <= {}", literal(&lake_time(until))));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- authdoctor scan as CloudTrail Lake SQL, event data store {eds}.\n\
         -- Scenarios: paste a group's example_message into `authdoctor explain`.\n"
    );
    let _ = writeln!(out, "-- 1. Refused calls, grouped as `scan` groups them");
    let _ = writeln!(
        out,
        "SELECT errorcode, eventsource, eventname,\n\
         \x20      coalesce(useridentity.arn, useridentity.invokedby, useridentity.principalid) AS principal,\n\
         \x20      COUNT(*) AS calls, MIN(eventtime) AS first_seen, MAX(eventtime) AS last_seen\n\
         FROM {eds}\n\
         WHERE errorcode IN ({})\n\
         \x20 AND (errormessage IS NULL OR errormessage <> {})",
        code_list(),
        literal(BILLING_ACCESS_MESSAGE)
    );
    and_all(&mut out, &predicates);
    let _ = writeln!(
        out,
        "GROUP BY errorcode, eventsource, eventname,\n\
         \x20        coalesce(useridentity.arn, useridentity.invokedby, useridentity.principalid)\n\
         ORDER BY calls DESC;\n"
    );
    let _ = writeln!(
        out,
        "-- 2. Role credentials delivered through IMDSv1, one row per access key"
    );
    let _ = writeln!(
        out,
        "SELECT useridentity.accesskeyid, useridentity.principalid AS role_id_and_instance,\n\
         \x20      useridentity.sessioncontext.sessionissuer.arn AS role,\n\
         \x20      COUNT(*) AS calls, MIN(eventtime) AS first_seen, MAX(eventtime) AS last_seen\n\
         FROM {eds}\n\
         WHERE useridentity.sessioncontext.ec2roledelivery = '1.0'"
    );
    and_all(&mut out, &predicates);
    let _ = writeln!(
        out,
        "GROUP BY useridentity.accesskeyid, useridentity.principalid,\n\
         \x20        useridentity.sessioncontext.sessionissuer.arn\n\
         ORDER BY calls DESC;"
    );
    Ok(out)
}

/// Adapts [`athena`]'s Trino SQL to DuckDB, which the tests use as an independent SQL
/// engine over the same files. The two places where the dialects differ, and nothing
/// else: Trino's `element_at(array, -1)` (DuckDB's `element_at` is for maps only) and
/// Trino's `slice(array, start, length)` (DuckDB: `list_slice(list, begin, end)`, the
/// same for a start of 1).
pub fn duckdb_dialect(sql: &str) -> String {
    sql.replace(
        "element_at(split(useridentity.arn, '/'), -1)",
        "list_extract(string_split(useridentity.arn, '/'), -1)",
    )
    .replace("slice(array_agg(", "list_slice(array_agg(")
}

/// Splits the text of [`athena`] into its two statements (failures, IMDSv1).
pub fn statements(sql: &str) -> Vec<String> {
    let code: Vec<&str> = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    code.join("\n")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_filters_become_partition_predicates() {
        assert!(athena("x; DROP TABLE y", &Options::default()).is_err());
        let options = Options::new(
            Some("2026-11-01T00:00:00Z".parse().unwrap()),
            Some("2026-11-23T12:00:00Z".parse().unwrap()),
            Some("111122223333".into()),
            Some("eu-west-1".into()),
        );
        let sql = athena("db.cloudtrail_logs", &options).unwrap();
        assert!(sql.contains("\"timestamp\" >= '2026/11/01'"));
        assert!(
            sql.contains("\"timestamp\" <= '2026/11/24'"),
            "a day of slack after --until"
        );
        assert!(sql.contains("account = '111122223333'"));
        assert!(sql.contains("region = 'eu-west-1'"));
        assert!(sql.contains("eventtime >= '2026-11-01T00:00:00Z'"));
        assert!(sql.contains("'Client.UnauthorizedOperation'"));
        assert_eq!(statements(&sql).len(), 2);
        let lake = lake("EXAMPLE-eds-id", &options).unwrap();
        assert!(lake.contains("eventtime >= '2026-11-01 00:00:00'"));
        assert!(lake.contains("FROM EXAMPLE-eds-id"));
    }
}
