//! Emergency rules above the model: editable data
//! (`data/dispatch/urgency_rules.toml`), parsed at load.
//!
//! A rule fires when one of its patterns occurs in the normalised message
//! (see [`super::features::normalise`]; spaces removed) and no exception
//! that applies to it occurs too. A pattern is plain text, or pieces joined
//! by `*`: `水管*爆` matches `水管爆了` and `水管昨晚突然爆了` (each gap at
//! most [`MAX_GAP`] characters, not across `。！？!?;；` or a line break).
//! A rule or exception may list `not_within` words: a pattern that starts
//! inside one of them does not count (`要是` "if" inside `主要是` "mainly").

use super::features::normalise;
use crate::error::Error;
use serde::Deserialize;
use std::collections::HashMap;

/// The longest gap a `*` in a pattern stands for, in characters.
pub const MAX_GAP: usize = 8;

/// The rules that ship with wuye.
pub const BUNDLED_RULES: &str = include_str!("../../../../data/dispatch/urgency_rules.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: u32,
    #[serde(default)]
    rule: Vec<RuleDef>,
    #[serde(default)]
    exception: Vec<ExceptionDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    name: String,
    zh: String,
    en: String,
    patterns: Vec<String>,
    /// Longer words in which a pattern does not mean what it says.
    #[serde(default)]
    not_within: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionDef {
    name: String,
    zh: String,
    en: String,
    patterns: Vec<String>,
    #[serde(default)]
    not_within: Vec<String>,
    /// Only for these rules (by name); all rules when empty.
    #[serde(default)]
    rules: Vec<String>,
}

/// A compiled pattern: pieces that must follow each other with short gaps.
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    source: String,
    pieces: Vec<String>,
}

impl Pattern {
    fn parse(s: &str) -> Option<Pattern> {
        let pieces: Vec<String> = s
            .split('*')
            .map(|p| squeeze(&normalise(p)))
            .filter(|p| !p.is_empty())
            .collect();
        (!pieces.is_empty()).then(|| Pattern {
            source: s.to_string(),
            pieces,
        })
    }

    /// Whether the pattern matches at the start of `s`.
    fn matches_at(&self, s: &str) -> bool {
        let (first, rest) = self.pieces.split_first().expect("a pattern has pieces");
        s.starts_with(first.as_str()) && (rest.is_empty() || starts_within(&s[first.len()..], rest))
    }

    fn first_char(&self) -> char {
        self.pieces[0].chars().next().expect("pieces are not empty")
    }
}

fn is_stop(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | ';' | '；' | '\n' | '\r')
}

/// Whether `pieces` follow within `MAX_GAP` characters of the start of `after`.
fn starts_within(after: &str, pieces: &[String]) -> bool {
    let (next, rest) = pieces.split_first().expect("called with pieces");
    for (gap, (i, c)) in after.char_indices().enumerate() {
        if gap > MAX_GAP {
            break;
        }
        if after[i..].starts_with(next.as_str())
            && (rest.is_empty() || starts_within(&after[i + next.len()..], rest))
        {
            return true;
        }
        if is_stop(c) {
            break;
        }
    }
    false
}

/// Whether the position `at` of `text` lies inside an occurrence of one of
/// `words` (an occurrence that starts before `at` or at it and goes past it).
fn inside_any(text: &str, at: usize, words: &[String]) -> bool {
    words.iter().any(|w| {
        w.char_indices().any(|(back, _)| {
            at >= back && text.is_char_boundary(at - back) && text[at - back..].starts_with(w)
        })
    })
}

/// The words of a `not_within` list, written as patterns are. Each must
/// hold the start of one of its owner's patterns, or it could never apply
/// (a typo in a company's file would otherwise pass unnoticed).
fn compile_words(
    owner: &str,
    words: &[String],
    patterns: &[Pattern],
) -> Result<Vec<String>, Error> {
    let mut out = Vec::with_capacity(words.len());
    for (raw, w) in words.iter().map(|w| (w, squeeze(&normalise(w)))) {
        if !patterns.iter().any(|p| w.contains(p.pieces[0].as_str())) {
            return Err(Error::invalid(
                "rules_invalid",
                format!("“{owner}”的 not_within 词“{raw}”不含它的任何模式，不会起作用"),
                format!(
                    "“{owner}”: the not_within word “{raw}” holds none of its patterns, so it could never apply"
                ),
            ));
        }
        out.push(w);
    }
    Ok(out)
}

/// The text rules look at: normalised, without spaces.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// An emergency rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub zh: String,
    pub en: String,
    patterns: Vec<Pattern>,
    not_within: Vec<String>,
}

/// An exception: when it matches, the rules it applies to do not fire.
#[derive(Debug, Clone, PartialEq)]
pub struct Exception {
    pub name: String,
    pub zh: String,
    pub en: String,
    patterns: Vec<Pattern>,
    not_within: Vec<String>,
    rules: Vec<String>,
}

/// What the rules say about one message.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleOutcome<'a> {
    /// No rule matched.
    Quiet,
    /// A rule matched and no exception stopped it.
    Fired { rule: &'a Rule, pattern: &'a str },
    /// A rule matched but an exception stopped it.
    Suppressed {
        rule: &'a Rule,
        pattern: &'a str,
        exception: &'a Exception,
    },
}

impl RuleOutcome<'_> {
    /// The rule that fired, if one did.
    pub fn fired(&self) -> Option<&Rule> {
        match self {
            RuleOutcome::Fired { rule, .. } => Some(rule),
            _ => None,
        }
    }
}

/// The emergency rules and their exceptions.
#[derive(Debug, Clone, PartialEq)]
pub struct UrgencyRules {
    rules: Vec<Rule>,
    exceptions: Vec<Exception>,
    /// Every pattern by its first character: (is an exception, owner, pattern).
    by_first: HashMap<char, Vec<(bool, usize, usize)>>,
}

fn index(rules: &[Rule], exceptions: &[Exception]) -> HashMap<char, Vec<(bool, usize, usize)>> {
    let mut by_first: HashMap<char, Vec<(bool, usize, usize)>> = HashMap::new();
    for (o, r) in rules.iter().enumerate() {
        for (i, p) in r.patterns.iter().enumerate() {
            by_first
                .entry(p.first_char())
                .or_default()
                .push((false, o, i));
        }
    }
    for (o, x) in exceptions.iter().enumerate() {
        for (i, p) in x.patterns.iter().enumerate() {
            by_first
                .entry(p.first_char())
                .or_default()
                .push((true, o, i));
        }
    }
    by_first
}

fn compile(owner: &str, patterns: &[String]) -> Result<Vec<Pattern>, Error> {
    let out: Vec<Pattern> = patterns.iter().filter_map(|p| Pattern::parse(p)).collect();
    if out.len() != patterns.len() || out.is_empty() {
        return Err(Error::invalid(
            "rules_invalid",
            format!("紧急规则“{owner}”有空的模式"),
            format!("Urgency rule “{owner}” has an empty pattern"),
        ));
    }
    Ok(out)
}

impl UrgencyRules {
    /// The rules bundled with wuye (`data/dispatch/urgency_rules.toml`).
    pub fn bundled() -> UrgencyRules {
        Self::parse(BUNDLED_RULES).expect("the bundled urgency rules parse")
    }

    /// No rules at all (the model alone decides).
    pub fn none() -> UrgencyRules {
        UrgencyRules {
            rules: vec![],
            exceptions: vec![],
            by_first: HashMap::new(),
        }
    }

    /// Parses a rules file (TOML, `version = 1`, `[[rule]]` and `[[exception]]` tables).
    pub fn parse(toml_text: &str) -> Result<UrgencyRules, Error> {
        let file: RulesFile = toml::from_str(toml_text).map_err(|e| {
            Error::invalid(
                "rules_invalid",
                format!("紧急规则文件格式错误：{e}"),
                format!("The urgency rules file is not valid: {e}"),
            )
        })?;
        if file.version != 1 {
            return Err(Error::invalid(
                "rules_invalid",
                format!("不支持的紧急规则版本 {}（应为 1）", file.version),
                format!(
                    "Unsupported urgency rules version {} (expected 1)",
                    file.version
                ),
            ));
        }
        let mut rules = Vec::new();
        for r in file.rule {
            let patterns = compile(&r.name, &r.patterns)?;
            rules.push(Rule {
                not_within: compile_words(&r.name, &r.not_within, &patterns)?,
                patterns,
                name: r.name,
                zh: r.zh,
                en: r.en,
            });
        }
        let mut exceptions = Vec::new();
        for x in file.exception {
            if let Some(unknown) = x
                .rules
                .iter()
                .find(|n| !rules.iter().any(|r| &r.name == *n))
            {
                return Err(Error::invalid(
                    "rules_invalid",
                    format!("例外“{}”引用了不存在的规则“{unknown}”", x.name),
                    format!(
                        "Exception “{}” refers to an unknown rule “{unknown}”",
                        x.name
                    ),
                ));
            }
            let patterns = compile(&x.name, &x.patterns)?;
            exceptions.push(Exception {
                not_within: compile_words(&x.name, &x.not_within, &patterns)?,
                patterns,
                name: x.name,
                zh: x.zh,
                en: x.en,
                rules: x.rules,
            });
        }
        let by_first = index(&rules, &exceptions);
        Ok(UrgencyRules {
            rules,
            exceptions,
            by_first,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn exceptions(&self) -> &[Exception] {
        &self.exceptions
    }

    /// The rule (by name).
    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// What the rules say about a message.
    pub fn check(&self, text: &str) -> RuleOutcome<'_> {
        self.check_normalised(&squeeze(&normalise(text)))
    }

    /// `check` on a text already normalised and squeezed.
    pub(crate) fn check_normalised(&self, text: &str) -> RuleOutcome<'_> {
        // One pass over the text finds every pattern that matches.
        let mut rule_hit: Vec<Option<usize>> = vec![None; self.rules.len()];
        let mut exception_hit = vec![false; self.exceptions.len()];
        for (at, c) in text.char_indices() {
            let Some(candidates) = self.by_first.get(&c) else {
                continue;
            };
            for &(is_exception, owner, p) in candidates {
                if is_exception {
                    let x = &self.exceptions[owner];
                    if !exception_hit[owner]
                        && x.patterns[p].matches_at(&text[at..])
                        && !inside_any(text, at, &x.not_within)
                    {
                        exception_hit[owner] = true;
                    }
                } else if rule_hit[owner].is_none()
                    && self.rules[owner].patterns[p].matches_at(&text[at..])
                    && !inside_any(text, at, &self.rules[owner].not_within)
                {
                    rule_hit[owner] = Some(p);
                }
            }
        }
        let mut suppressed = None;
        for (rule, hit) in self.rules.iter().zip(rule_hit) {
            let Some(p) = hit else {
                continue;
            };
            let pattern = rule.patterns[p].source.as_str();
            let stop = self
                .exceptions
                .iter()
                .zip(&exception_hit)
                .find(|(x, hit)| **hit && (x.rules.is_empty() || x.rules.contains(&rule.name)));
            match stop {
                None => return RuleOutcome::Fired { rule, pattern },
                Some((exception, _)) if suppressed.is_none() => {
                    suppressed = Some(RuleOutcome::Suppressed {
                        rule,
                        pattern,
                        exception,
                    })
                }
                Some(_) => {}
            }
        }
        suppressed.unwrap_or(RuleOutcome::Quiet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
version = 1
[[rule]]
name = "trapped"
zh = "有人被困"
en = "people trapped"
patterns = ["困人", "电梯*困"]
[[rule]]
name = "burst"
zh = "爆管"
en = "burst pipe"
patterns = ["水管*爆"]
[[exception]]
name = "drill"
zh = "演练"
en = "drill"
patterns = ["演练"]
[[exception]]
name = "thanks"
zh = "表扬"
en = "praise"
patterns = ["感谢", "表扬"]
rules = ["trapped"]
[[exception]]
name = "hypothetical"
zh = "假设"
en = "hypothetical"
patterns = ["要是"]
not_within = ["主要是"]
"#;

    fn fired(r: &UrgencyRules, t: &str) -> Option<String> {
        r.check(t).fired().map(|x| x.name.clone())
    }

    #[test]
    fn patterns_match_with_gaps() {
        let r = UrgencyRules::parse(RULES).unwrap();
        assert_eq!(fired(&r, "3栋电梯困人了"), Some("trapped".into()));
        assert_eq!(fired(&r, "電梯 困住了"), Some("trapped".into()));
        assert_eq!(fired(&r, "厨房水管昨晚突然爆了"), Some("burst".into()));
        assert_eq!(fired(&r, "水管爆了"), Some("burst".into()));
        // Too far apart, or across a sentence end.
        assert_eq!(fired(&r, "水管一二三四五六七八九十爆"), None);
        assert_eq!(fired(&r, "水管修好了！鞭炮爆了"), None);
        assert_eq!(fired(&r, "楼道灯不亮"), None);
    }

    #[test]
    fn exceptions_suppress() {
        let r = UrgencyRules::parse(RULES).unwrap();
        assert_eq!(fired(&r, "明天消防演练，电梯困人演练"), None);
        assert!(matches!(
            r.check("感谢师傅，上次电梯困人来得很快"),
            RuleOutcome::Suppressed { .. }
        ));
        // The praise exception applies only to "trapped".
        assert_eq!(fired(&r, "感谢！水管爆了"), Some("burst".into()));
    }

    #[test]
    fn a_pattern_inside_a_longer_word_does_not_count() {
        let r = UrgencyRules::parse(RULES).unwrap();
        // `要是` "if" stops the rule; inside `主要是` "mainly" it does not.
        assert_eq!(fired(&r, "要是水管爆了怎么办"), None);
        assert_eq!(
            fired(&r, "不急的都先放着，主要是水管爆了"),
            Some("burst".into())
        );
        assert_eq!(fired(&r, "主 要 是水管爆了"), Some("burst".into()));
        // The word elsewhere does not shield a real `要是`.
        assert_eq!(fired(&r, "主要是问一下，要是水管爆了找谁"), None);
        assert!(inside_any("主要是", "主".len(), &["主要是".to_string()]));
        assert!(!inside_any("要是主要", 0, &["主要是".to_string()]));
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(UrgencyRules::parse("version = 2").is_err());
        assert!(
            UrgencyRules::parse("version = 1\n[[rule]]\nname='x'\nzh='x'\nen='x'\npatterns=['*']")
                .is_err()
        );
        let e = UrgencyRules::parse(
            "version = 1\n[[exception]]\nname='x'\nzh='x'\nen='x'\npatterns=['a']\nrules=['nope']",
        )
        .unwrap_err();
        assert_eq!(e.code, "rules_invalid");
        assert!(UrgencyRules::parse("not toml [").is_err());
        // A not_within word that holds none of its owner's patterns.
        let e = UrgencyRules::parse(
            "version = 1\n[[exception]]\nname='x'\nzh='x'\nen='x'\npatterns=['要是']\nnot_within=['主要']",
        )
        .unwrap_err();
        assert_eq!(e.code, "rules_invalid");
        assert!(e.zh.contains("主要"), "{}", e.zh);
    }

    #[test]
    fn bundled_rules_parse() {
        let r = UrgencyRules::bundled();
        assert!(r.rules().len() >= 8);
    }
}
