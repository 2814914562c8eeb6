//! The application layer's error: a coded domain error for the caller, or an
//! internal failure that is logged in full and shown only as "internal".

use wuye_domain::Error;
use wuye_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// A coded error the caller should see.
    Coded(Error),
    /// Our fault; the detail goes to the log, never to the caller.
    Internal(String),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    /// The error as the caller sees it.
    pub fn public(&self) -> Error {
        match self {
            AppError::Coded(e) => e.clone(),
            AppError::Internal(_) => Error::internal(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Coded(e) => e.code,
            AppError::Internal(_) => "internal",
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Coded(e) => e.fmt(f),
            AppError::Internal(d) => write!(f, "internal: {d}"),
        }
    }
}

impl std::error::Error for AppError {}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Coded(e)
    }
}

/// The error a unique key violation means to a user.
fn unique_error(key: &str) -> Error {
    let (code, zh, en, field) = match key {
        "communities_name_key" => (
            "community_name_taken",
            "已有同名的小区",
            "A community with this name exists",
            "name",
        ),
        "buildings_name_key" => (
            "building_name_taken",
            "该小区已有同名楼栋",
            "This community already has a building with this name",
            "name",
        ),
        "entrances_name_key" => (
            "entrance_name_taken",
            "该楼栋已有同名单元",
            "This building already has an entrance with this name",
            "name",
        ),
        "homes_label_key" => (
            "home_exists",
            "该房屋已存在",
            "This home already exists",
            "number",
        ),
        "users_username_key" => (
            "username_taken",
            "该用户名已被使用",
            "This username is taken",
            "username",
        ),
        "users_phone_key" => (
            "phone_taken",
            "该手机号已注册过账号",
            "An account with this phone number exists",
            "phone",
        ),
        "residents_phone_key" => (
            "phone_taken",
            "该手机号已登记为其他住户",
            "Another resident has this phone number",
            "phone",
        ),
        "residents_user_idx" | "staff_user_idx" => (
            "account_exists",
            "该人员已有登录账号",
            "This person already has an account",
            "account",
        ),
        "staff_phone_key" => (
            "phone_taken",
            "该手机号已登记为其他员工",
            "Another staff member has this phone number",
            "phone",
        ),
        "teams_code_key" => (
            "team_code_taken",
            "已有相同编码的班组",
            "A team with this code exists",
            "code",
        ),
        "teams_name_key" => (
            "team_name_taken",
            "已有同名的班组",
            "A team with this name exists",
            "name",
        ),
        "resident_homes_pkey" => (
            "already_linked",
            "该住户已关联此房屋",
            "This resident is already linked to this home",
            "home_id",
        ),
        _ => (
            "conflict",
            "与现有记录冲突",
            "This clashes with an existing record",
            "",
        ),
    };
    let e = Error::conflict(code, zh, en);
    if field.is_empty() {
        e
    } else {
        e.with_field(field)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(key) => AppError::Coded(unique_error(key)),
            StoreError::ForeignKey => AppError::Coded(in_use()),
            StoreError::NotFound => AppError::Coded(Error::not_found("记录", "record")),
            StoreError::Unavailable(d) => {
                tracing::warn!(detail = %d, "database unavailable");
                AppError::Coded(Error::unavailable())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// A delete refused because other records still point at the thing.
pub fn in_use() -> Error {
    Error::conflict(
        "in_use",
        "仍有其他记录在使用它，无法删除（请先删除或转移下属的记录）",
        "It is still in use and cannot be deleted (remove or move what belongs to it first)",
    )
}

/// Maps a store "not found" to a not-found error naming the thing.
pub trait NotFoundAs<T> {
    fn or_not_found(self, zh: &str, en: &str) -> Result<T>;
}

impl<T> NotFoundAs<T> for std::result::Result<T, StoreError> {
    fn or_not_found(self, zh: &str, en: &str) -> Result<T> {
        self.map_err(|e| match e {
            StoreError::NotFound => AppError::Coded(Error::not_found(zh, en)),
            other => other.into(),
        })
    }
}
