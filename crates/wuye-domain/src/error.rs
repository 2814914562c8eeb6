//! The domain's error: a stable code, a kind (which decides the HTTP status
//! at the edge), and a message in Chinese and English.
//!
//! Codes are part of the API contract: clients and the web UI switch on them,
//! so a code is never renamed once shipped. Messages may improve freely.

use crate::lang::Lang;
use serde::Serialize;
use std::fmt;

/// What sort of failure this is. The web layer maps each kind to one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input is malformed or breaks a rule (400/422).
    Invalid,
    /// The caller is not signed in (401).
    Unauthenticated,
    /// The caller is signed in but may not do this (403).
    Forbidden,
    /// The thing does not exist, or the caller may not know it exists (404).
    NotFound,
    /// The request clashes with the current state (409).
    Conflict,
    /// Too many attempts (429).
    RateLimited,
    /// The body is too large (413).
    TooLarge,
    /// The database or a dependency is briefly unavailable (503).
    Unavailable,
    /// Something broke on our side (500). Never carries internal details.
    Internal,
}

/// A coded, bilingual error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    /// The input field at fault, when there is one (e.g. `phone`).
    pub field: Option<String>,
}

impl Error {
    pub fn new(
        kind: ErrorKind,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            code,
            zh: zh.into(),
            en: en.into(),
            field: None,
        }
    }

    pub fn invalid(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, zh, en)
    }

    pub fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, zh, en)
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorKind::Forbidden,
            "forbidden",
            "您没有权限执行此操作",
            "You are not allowed to do this",
        )
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorKind::Unauthenticated,
            "unauthenticated",
            "请先登录",
            "Please sign in first",
        )
    }

    /// A thing that does not exist *for this caller*: things outside the
    /// caller's scope answer the same, so that ids cannot be probed.
    pub fn not_found(what_zh: &str, what_en: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "not_found",
            format!("找不到该{what_zh}"),
            format!("No such {what_en}"),
        )
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "internal",
            "服务器内部错误，请稍后重试",
            "Internal server error, please try again later",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            "unavailable",
            "系统繁忙，请稍后重试",
            "The service is busy, please try again shortly",
        )
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.en)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
