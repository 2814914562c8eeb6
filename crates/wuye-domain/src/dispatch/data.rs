//! Labelled CSV files (`text,category,urgency,kind` or `text,label`), read
//! strictly: a missing column, an empty text or an unknown code is an error
//! naming the line, never a silent skip.

use crate::category::Category;
use crate::error::Error;

/// The urgency codes of DISPATCH.md, most urgent first.
pub const URGENCIES: [&str; 3] = ["emergency", "urgent", "normal"];
/// The kinds of request of DISPATCH.md.
pub const KINDS: [&str; 5] = [
    "repair",
    "complaint",
    "consultation",
    "suggestion",
    "praise",
];

/// Which column a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The `category` column (the 16 default codes), or `label` (any labels).
    Category,
    Urgency,
    Kind,
}

impl Target {
    pub fn code(self) -> &'static str {
        match self {
            Target::Category => "category",
            Target::Urgency => "urgency",
            Target::Kind => "kind",
        }
    }

    pub fn parse(s: &str) -> Result<Target, Error> {
        match s.trim() {
            "category" | "label" => Ok(Target::Category),
            "urgency" => Ok(Target::Urgency),
            "kind" => Ok(Target::Kind),
            other => Err(Error::invalid(
                "target_invalid",
                format!("标签列“{other}”无效：应为 category、urgency 或 kind"),
                format!("Label column “{other}” is not valid: category, urgency or kind"),
            )),
        }
    }
}

/// One labelled message.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The line the record starts on (the header is line 1).
    pub line: u64,
    pub text: String,
    /// The `category` (a default code) or `label` (anything) column.
    pub label: String,
    pub urgency: Option<String>,
    pub kind: Option<String>,
}

/// A labelled file.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// `category` (checked against the default taxonomy) or `label` (free).
    pub label_column: String,
    pub has_urgency: bool,
    pub has_kind: bool,
    pub examples: Vec<Example>,
}

fn list_lines(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(10).map(u64::to_string).collect();
    let more = if lines.len() > 10 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

impl Dataset {
    /// Parses CSV text (already decoded; a leading BOM is ignored).
    pub fn from_csv(text: &str) -> Result<Dataset, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(empty_file());
        }
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| csv_error(&e))?
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let label_name = if col("category").is_some() {
            "category"
        } else {
            "label"
        };
        let (Some(text_col), Some(label_col)) = (col("text"), col(label_name)) else {
            return Err(Error::invalid(
                "csv_missing_column",
                format!(
                    "CSV 缺少必需的列：需要 text 和 category（或 label）；实际表头：{}",
                    headers.join(",")
                ),
                format!(
                    "The CSV lacks a required column: it needs text and category (or label); header found: {}",
                    headers.join(",")
                ),
            ));
        };
        let (urgency_col, kind_col) = (col("urgency"), col("kind"));
        let mut examples = Vec::new();
        let mut empty_texts = Vec::new();
        let mut bad: Vec<(u64, &'static str, String)> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(&e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
            let text = rec.get(text_col).unwrap_or("").to_string();
            if text.trim().is_empty() {
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue; // a blank line
                }
                empty_texts.push(line);
                continue;
            }
            let mut label = get(label_col);
            if label_name == "category" {
                match Category::parse(&label) {
                    Ok(c) => label = c.code().to_string(),
                    Err(_) => bad.push((line, "category", label.clone())),
                }
            } else if label.is_empty() {
                bad.push((line, "label", label.clone()));
            }
            let urgency = urgency_col.map(get);
            if let Some(u) = &urgency
                && !URGENCIES.contains(&u.as_str())
            {
                bad.push((line, "urgency", u.clone()));
            }
            let kind = kind_col.map(get);
            if let Some(k) = &kind
                && !KINDS.contains(&k.as_str())
            {
                bad.push((line, "kind", k.clone()));
            }
            examples.push(Example {
                line,
                text,
                label,
                urgency,
                kind,
            });
        }
        if !empty_texts.is_empty() {
            return Err(Error::invalid(
                "csv_empty_text",
                format!("以下行的 text 为空：第 {} 行", list_lines(&empty_texts)),
                format!("Empty text on line {}", list_lines(&empty_texts)),
            ));
        }
        if !bad.is_empty() {
            let zh: Vec<String> = bad
                .iter()
                .take(10)
                .map(|(l, c, v)| format!("第 {l} 行 {c}“{v}”"))
                .collect();
            let en: Vec<String> = bad
                .iter()
                .take(10)
                .map(|(l, c, v)| format!("line {l}: {c} “{v}”"))
                .collect();
            let more = if bad.len() > 10 {
                format!(" (+{})", bad.len() - 10)
            } else {
                String::new()
            };
            return Err(Error::invalid(
                "csv_unknown_label",
                format!(
                    "未知的标签代码：{}{more}。类别应为 DISPATCH.md 的 16 个代码（plumbing、electrical…），\
                     紧急程度为 emergency/urgent/normal，类型为 repair/complaint/consultation/suggestion/praise；\
                     自定义标签请用 label 列",
                    zh.join("；")
                ),
                format!(
                    "Unknown label codes: {}{more}. Categories are the 16 codes of DISPATCH.md (plumbing, electrical, …), \
                     urgency emergency/urgent/normal, kind repair/complaint/consultation/suggestion/praise; \
                     for your own labels name the column `label`",
                    en.join("; ")
                ),
            ));
        }
        if examples.is_empty() {
            return Err(empty_file());
        }
        Ok(Dataset {
            label_column: label_name.to_string(),
            has_urgency: urgency_col.is_some(),
            has_kind: kind_col.is_some(),
            examples,
        })
    }

    pub fn len(&self) -> usize {
        self.examples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// Whether the file has the column a target needs.
    pub fn has(&self, target: Target) -> bool {
        match target {
            Target::Category => true,
            Target::Urgency => self.has_urgency,
            Target::Kind => self.has_kind,
        }
    }

    /// The labels of a target, one per example (`None` when the column is absent).
    pub fn labels(&self, target: Target) -> Option<Vec<&str>> {
        if !self.has(target) {
            return None;
        }
        Some(
            self.examples
                .iter()
                .map(|e| match target {
                    Target::Category => e.label.as_str(),
                    Target::Urgency => e.urgency.as_deref().unwrap_or(""),
                    Target::Kind => e.kind.as_deref().unwrap_or(""),
                })
                .collect(),
        )
    }

    /// Whether the file has everything the three-head classifier needs.
    pub fn is_full(&self) -> bool {
        self.has_urgency && self.has_kind
    }

    /// The examples at the given indices, as a dataset of their own.
    pub fn subset(&self, idx: &[usize]) -> Dataset {
        Dataset {
            label_column: self.label_column.clone(),
            has_urgency: self.has_urgency,
            has_kind: self.has_kind,
            examples: idx.iter().map(|&i| self.examples[i].clone()).collect(),
        }
    }

    /// The error for a column a model needs but the file lacks.
    pub fn missing(target: Target) -> Error {
        Error::invalid(
            "csv_missing_column",
            format!("CSV 缺少 {} 列", target.code()),
            format!("The CSV has no {} column", target.code()),
        )
    }
}

fn empty_file() -> Error {
    Error::invalid(
        "csv_empty",
        "CSV 文件中没有数据行",
        "The CSV file has no data rows",
    )
}

fn csv_error(e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let (zh, en) = match (e.kind(), line) {
        (csv::ErrorKind::UnequalLengths { .. }, Some(l)) => (
            format!("CSV 第 {l} 行的列数与表头不一致（含逗号的文字请加英文双引号）"),
            format!(
                "CSV line {l} has a different number of fields than the header (quote texts that contain commas)"
            ),
        ),
        (_, Some(l)) => (
            format!("CSV 第 {l} 行无法解析：{e}"),
            format!("CSV line {l} cannot be read: {e}"),
        ),
        _ => (
            format!("CSV 无法解析：{e}"),
            format!("The CSV cannot be read: {e}"),
        ),
    };
    Error::invalid("csv_invalid", zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_default_format() {
        let d = Dataset::from_csv(
            "\u{feff}text,category,urgency,kind\n\"3栋电梯困人了,快\",elevator,emergency,repair\n楼道灯不亮,电气,normal,repair\n",
        )
        .unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d.examples[0].text, "3栋电梯困人了,快");
        assert_eq!(d.examples[1].label, "electrical");
        assert_eq!(d.examples[1].line, 3);
        assert!(d.is_full());
    }

    #[test]
    fn any_labels_in_a_label_column() {
        let d = Dataset::from_csv("text,label\n退款呢,refund\n").unwrap();
        assert_eq!(d.label_column, "label");
        assert_eq!(d.labels(Target::Category).unwrap(), vec!["refund"]);
        assert!(d.labels(Target::Kind).is_none());
    }

    #[test]
    fn errors_name_lines() {
        let e = Dataset::from_csv("text,category\n漏水,plumbing\n吵,noisy\n").unwrap_err();
        assert_eq!(e.code, "csv_unknown_label");
        assert!(e.en.contains("line 3"), "{}", e.en);
        let e = Dataset::from_csv("text,category,urgency\n漏水,plumbing,asap\n").unwrap_err();
        assert!(e.en.contains("line 2: urgency"), "{}", e.en);
        assert_eq!(
            Dataset::from_csv("words,category\na,b\n").unwrap_err().code,
            "csv_missing_column"
        );
        assert_eq!(Dataset::from_csv("").unwrap_err().code, "csv_empty");
        assert_eq!(
            Dataset::from_csv("text,category\n").unwrap_err().code,
            "csv_empty"
        );
        assert_eq!(
            Dataset::from_csv("text,category\n漏水,plumbing,extra\n")
                .unwrap_err()
                .code,
            "csv_invalid"
        );
        assert_eq!(
            Dataset::from_csv("text,category\n \t,plumbing\n")
                .unwrap_err()
                .code,
            "csv_empty_text"
        );
    }
}
