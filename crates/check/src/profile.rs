//! A span-keeping parser for `~/.aws/config` and `~/.aws/credentials`, following the
//! cross-SDK profile file rules:
//!
//! * `#` and `;` start comment lines; blank lines are ignored.
//! * Config files name profiles `[profile NAME]` (and `[default]`); a bare `[NAME]` there
//!   is ignored by the SDKs. Credentials files name them `[NAME]`; `[profile NAME]` there is
//!   not the profile `NAME`. `[sso-session NAME]` and `[services NAME]` are their own sections.
//! * `key = value`; a value of an empty property followed by indented `sub = value` lines
//!   makes sub-properties (`s3 =` / `  max_concurrent_requests = 10`); other indented
//!   lines continue the previous value.
//! * Later duplicates override earlier ones.
//!
//! Unlike the SDKs, which silently skip what they cannot read, every problem is kept as
//! an [`Issue`] with its 1-based line number, and no input makes the parser panic.

use std::collections::BTreeMap;

/// Which file the text came from: the same section header means different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The SDKs ignore or misread this, but the file still loads.
    Warning,
    /// botocore refuses to load the file (`ConfigParseError`).
    Error,
}

/// A problem found while parsing, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Profile,
    SsoSession,
    Services,
    /// A section the SDKs skip (e.g. `[foo]` in a config file).
    Ignored,
}

/// One `key = value`, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub key: String,
    pub value: String,
    pub line: usize,
    pub sub: Vec<Property>,
}

impl Property {
    /// The value as the SDKs expose it: sub-properties become `\nname = value` lines.
    pub fn merged_value(&self) -> String {
        if self.sub.is_empty() {
            return self.value.clone();
        }
        let mut out = self.value.clone();
        for sub in &self.sub {
            out.push('\n');
            out.push_str(&sub.key);
            out.push_str(" =");
            if !sub.value.is_empty() {
                out.push(' ');
                out.push_str(&sub.value);
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub kind: SectionKind,
    pub name: String,
    pub line: usize,
    pub properties: Vec<Property>,
    /// `[default]` written without the `profile` prefix in a config file: a
    /// `[profile default]` section, if any, replaces it.
    pub bare_default: bool,
}

impl Section {
    /// The last value of `key` (later duplicates win).
    pub fn get(&self, key: &str) -> Option<&Property> {
        self.properties.iter().rev().find(|p| p.key == key)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileFile {
    pub sections: Vec<Section>,
    pub issues: Vec<Issue>,
}

fn is_comment(line: &str) -> bool {
    line.starts_with('#') || line.starts_with(';')
}

/// Strips a trailing ` #…` or ` ;…` comment from a section header line.
fn strip_header_comment(line: &str) -> &str {
    match line.find(']') {
        Some(i) => &line[..=i],
        None => line,
    }
}

/// Parses one file. Never fails: problems become [`Issue`]s.
pub fn parse(text: &str, kind: FileKind) -> ProfileFile {
    let mut file = ProfileFile::default();
    // Whether the previous line was a property whose value can take sub-properties or
    // continuation lines.
    let mut last_property = false;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = raw.trim();
        if trimmed.is_empty() || is_comment(trimmed) {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if trimmed.starts_with('[') {
            last_property = false;
            let header = strip_header_comment(trimmed);
            let Some(inner) = header.strip_prefix('[').and_then(|h| h.strip_suffix(']')) else {
                file.issues.push(Issue {
                    line: line_no,
                    severity: Severity::Error,
                    message: "section header without a closing `]`".to_owned(),
                });
                // Properties that follow belong to no usable section.
                file.sections.push(Section {
                    kind: SectionKind::Ignored,
                    name: String::new(),
                    line: line_no,
                    properties: Vec::new(),
                    bare_default: false,
                });
                continue;
            };
            let inner = inner.trim();
            let (section_kind, name) = classify_header(inner, kind, line_no, &mut file.issues);
            file.sections.push(Section {
                kind: section_kind,
                name,
                line: line_no,
                properties: Vec::new(),
                bare_default: kind == FileKind::Config && inner == "default",
            });
            continue;
        }
        let Some(section) = file.sections.last_mut() else {
            file.issues.push(Issue {
                line: line_no,
                severity: Severity::Error,
                message: "a property before any `[section]` header".to_owned(),
            });
            continue;
        };
        if indented && last_property {
            let Some(prop) = section.properties.last_mut() else {
                continue;
            };
            if prop.value.is_empty() || !prop.sub.is_empty() {
                match trimmed.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() => prop.sub.push(Property {
                        key: k.trim().to_owned(),
                        value: v.trim().to_owned(),
                        line: line_no,
                        sub: Vec::new(),
                    }),
                    _ => file.issues.push(Issue {
                        line: line_no,
                        severity: Severity::Error,
                        message: format!(
                            "expected `name = value` in the sub-properties of `{}`",
                            prop.key
                        ),
                    }),
                }
            } else {
                prop.value.push('\n');
                prop.value.push_str(trimmed);
            }
            continue;
        }
        match trimmed.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                // Property names are case-insensitive.
                let key = k.trim().to_ascii_lowercase();
                let key = key.as_str();
                if !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    file.issues.push(Issue {
                        line: line_no,
                        severity: Severity::Warning,
                        message: format!(
                            "`{}` is not a valid property name (letters, digits, - and _); the SDKs ignore it",
                            clip(key)
                        ),
                    });
                    last_property = false;
                    continue;
                }
                if section.properties.iter().any(|p| p.key == key) {
                    file.issues.push(Issue {
                        line: line_no,
                        severity: Severity::Warning,
                        message: format!(
                            "`{}` is set twice in [{}]; the later value wins",
                            clip(key),
                            clip(&section.name)
                        ),
                    });
                }
                section.properties.push(Property {
                    key: key.to_owned(),
                    value: strip_value_comment(v).to_owned(),
                    line: line_no,
                    sub: Vec::new(),
                });
                last_property = true;
            }
            Some(_) => {
                file.issues.push(Issue {
                    line: line_no,
                    severity: Severity::Error,
                    message: "a property without a name before `=`".to_owned(),
                });
                last_property = false;
            }
            None => {
                file.issues.push(Issue {
                    line: line_no,
                    severity: Severity::Error,
                    message: "expected `name = value`, a `[section]` or a comment".to_owned(),
                });
                last_property = false;
            }
        }
    }
    file
}

/// A value without its trailing comment: `#` or `;` counts only after whitespace
/// (`value # note` → `value`, but `value;x` stays).
fn strip_value_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if (*b == b'#' || *b == b';') && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim();
        }
    }
    value.trim()
}

fn clip(text: &str) -> String {
    authdoctor_redact::clean(text).chars().take(60).collect()
}

/// Profile and session names: letters, digits and `- / . % @ _ : +`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/.%@_:+".contains(c))
}

fn classify_header(
    inner: &str,
    kind: FileKind,
    line: usize,
    issues: &mut Vec<Issue>,
) -> (SectionKind, String) {
    let mut words = inner.splitn(2, char::is_whitespace);
    let first = words.next().unwrap_or_default();
    let rest = words.next().map(str::trim).unwrap_or_default();
    match kind {
        FileKind::Config => match (first, rest.is_empty()) {
            ("default", true) => (SectionKind::Profile, "default".to_owned()),
            ("profile", false) if valid_name(rest) => (SectionKind::Profile, rest.to_owned()),
            ("sso-session", false) if valid_name(rest) => {
                (SectionKind::SsoSession, rest.to_owned())
            }
            ("services", false) if valid_name(rest) => (SectionKind::Services, rest.to_owned()),
            (_, true) => {
                issues.push(Issue {
                    line,
                    severity: Severity::Warning,
                    message: format!(
                        "[{}] in the config file is not a profile (write [profile {}]); the SDKs ignore it",
                        clip(first),
                        clip(first)
                    ),
                });
                (SectionKind::Ignored, first.to_owned())
            }
            _ => {
                issues.push(Issue {
                    line,
                    severity: Severity::Warning,
                    message: format!(
                        "[{}] is not a valid section name; the SDKs ignore it",
                        clip(inner)
                    ),
                });
                (SectionKind::Ignored, inner.to_owned())
            }
        },
        FileKind::Credentials => {
            if first == "profile" && !rest.is_empty() {
                issues.push(Issue {
                    line,
                    severity: Severity::Warning,
                    message: format!(
                        "[profile {}] in the credentials file does not define profile `{}`: write [{}] there",
                        clip(rest),
                        clip(rest),
                        clip(rest)
                    ),
                });
                (SectionKind::Ignored, inner.to_owned())
            } else if valid_name(inner) {
                (SectionKind::Profile, inner.to_owned())
            } else {
                issues.push(Issue {
                    line,
                    severity: Severity::Warning,
                    message: format!(
                        "[{}] is not a valid profile name; the SDKs ignore it",
                        clip(inner)
                    ),
                });
                (SectionKind::Ignored, inner.to_owned())
            }
        }
    }
}

/// Where a merged property came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: FileKind,
    pub line: usize,
}

/// A profile merged from both files: credentials-file values win over config values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub properties: BTreeMap<String, (String, Origin)>,
}

impl Profile {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .get(key)
            .map(|(v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn origin(&self, key: &str) -> Option<Origin> {
        self.properties.get(key).map(|(_, o)| *o)
    }
}

/// Both files, merged by profile name.
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
    pub profiles: BTreeMap<String, Profile>,
    pub sso_sessions: BTreeMap<String, Profile>,
}

impl ProfileSet {
    pub fn merge(config: Option<&ProfileFile>, credentials: Option<&ProfileFile>) -> ProfileSet {
        let mut set = ProfileSet::default();
        for (file, kind) in [
            (config, FileKind::Config),
            (credentials, FileKind::Credentials),
        ] {
            let Some(file) = file else { continue };
            let prefixed_default = file
                .sections
                .iter()
                .any(|s| s.kind == SectionKind::Profile && s.name == "default" && !s.bare_default);
            for section in &file.sections {
                if section.bare_default && prefixed_default {
                    continue;
                }
                let target = match section.kind {
                    SectionKind::Profile => &mut set.profiles,
                    SectionKind::SsoSession => &mut set.sso_sessions,
                    _ => continue,
                };
                let profile = target
                    .entry(section.name.clone())
                    .or_insert_with(|| Profile {
                        name: section.name.clone(),
                        properties: BTreeMap::new(),
                    });
                for p in &section.properties {
                    profile.properties.insert(
                        p.key.clone(),
                        (
                            p.merged_value(),
                            Origin {
                                file: kind,
                                line: p.line,
                            },
                        ),
                    );
                }
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_sections_and_sub_properties() {
        let text = "# top\n[default]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = 10\n\n[profile dev] ; comment\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = default\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n[dev]\nregion = x\n";
        let f = parse(text, FileKind::Config);
        let names: Vec<(&SectionKind, &str)> = f
            .sections
            .iter()
            .map(|s| (&s.kind, s.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                (&SectionKind::Profile, "default"),
                (&SectionKind::Profile, "dev"),
                (&SectionKind::SsoSession, "corp"),
                (&SectionKind::Ignored, "dev"),
            ]
        );
        let s3 = f.sections[0].get("s3").unwrap();
        assert_eq!(s3.sub.len(), 1);
        assert_eq!(s3.sub[0].line, 5);
        assert_eq!(f.sections[1].get("source_profile").unwrap().line, 9);
        assert_eq!(f.issues.len(), 1);
        assert_eq!(f.issues[0].line, 12);
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line() {
        let text = "region = before\n[default\nfoo\n[ok]\n= x\n  continued\n";
        let f = parse(text, FileKind::Credentials);
        let lines: Vec<usize> = f.issues.iter().map(|i| i.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 5, 6]);
        assert!(f.issues.iter().all(|i| i.severity == Severity::Error));
    }

    #[test]
    fn credentials_file_profile_prefix_is_a_mistake() {
        let f = parse(
            "[profile x]\naws_access_key_id = A\n",
            FileKind::Credentials,
        );
        assert_eq!(f.sections[0].kind, SectionKind::Ignored);
        assert_eq!(f.issues[0].severity, Severity::Warning);
    }

    #[test]
    fn merge_prefers_the_credentials_file() {
        let c = parse(
            "[default]\naws_access_key_id = FROMCONFIG\nregion = r\n",
            FileKind::Config,
        );
        let k = parse(
            "[default]\naws_access_key_id = FROMCREDS\n",
            FileKind::Credentials,
        );
        let set = ProfileSet::merge(Some(&c), Some(&k));
        let d = &set.profiles["default"];
        assert_eq!(d.get("aws_access_key_id"), Some("FROMCREDS"));
        assert_eq!(
            d.origin("aws_access_key_id").unwrap().file,
            FileKind::Credentials
        );
        assert_eq!(d.get("region"), Some("r"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "[",
            "]",
            "[]",
            "=",
            "\u{feff}[default]\n",
            "[profile]\n",
            "a\0b=c",
            "  = \n[x]\n  y",
        ] {
            let _ = parse(text, FileKind::Config);
            let _ = parse(text, FileKind::Credentials);
        }
    }
}
