//! Backups. SQLite: `VACUUM INTO`, a consistent snapshot taken while the
//! server keeps serving. PostgreSQL: `pg_dump` in its custom format.

use crate::App;
use crate::error::{AppError, Result};
use std::path::Path;
use wuye_domain::Error;
use wuye_store::Backend;

impl App {
    /// Writes a backup to `out` (which must not exist yet).
    pub async fn backup(&self, out: &Path, database_url: &str) -> Result<()> {
        if out.exists() {
            return Err(Error::invalid(
                "backup_exists",
                format!("文件 {} 已存在；为避免覆盖，请换一个文件名", out.display()),
                format!(
                    "{} already exists; choose another name so nothing is overwritten",
                    out.display()
                ),
            )
            .into());
        }
        match self.db.backend() {
            Backend::Sqlite => {
                let path = out
                    .to_str()
                    .ok_or_else(|| AppError::internal("backup path is not UTF-8"))?;
                self.db.sqlite_backup(path).await?;
                Ok(())
            }
            Backend::Postgres => {
                let status = tokio::process::Command::new("pg_dump")
                    .arg("--format=custom")
                    .arg("--file")
                    .arg(out)
                    .arg("--dbname")
                    .arg(database_url)
                    .status()
                    .await
                    .map_err(|e| {
                        Error::invalid(
                            "pg_dump_missing",
                            format!("无法运行 pg_dump（{e}）：请安装 PostgreSQL 客户端工具，或直接运行 pg_dump --format=custom"),
                            format!("Cannot run pg_dump ({e}): install the PostgreSQL client tools, or run pg_dump --format=custom yourself"),
                        )
                    })?;
                if !status.success() {
                    return Err(AppError::internal(format!("pg_dump exited with {status}")));
                }
                Ok(())
            }
        }
    }
}
