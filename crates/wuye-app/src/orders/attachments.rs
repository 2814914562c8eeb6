//! Photos on orders: upload (checked, location stripped, content-addressed),
//! reference from steps, and read back under the order's access rules.

use crate::App;
use crate::error::{AppError, Result};
use crate::photos::{is_valid_id, process};
use serde::Serialize;
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_store::order_log::{self, NewPhoto};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PhotoInfo {
    /// Use in `photo_ids` of a report, a finish step or a comment.
    pub id: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub size: usize,
    /// Whether /api/v1/photos/{id}?thumb=1 has a small version.
    pub has_thumbnail: bool,
}

fn unknown_photo(id: &str) -> Error {
    Error::invalid(
        "photo_unknown",
        format!(
            "照片 {} 不存在或不是您上传的，请重新上传",
            id.chars().take(12).collect::<String>()
        ),
        format!(
            "Photo {} does not exist or was not uploaded by you; upload it again",
            id.chars().take(12).collect::<String>()
        ),
    )
    .with_field("photo_ids")
}

impl App {
    /// Checks and stores one photo. Nothing is stored when it is refused.
    pub async fn upload_photo(&self, actor: &Actor, raw: Vec<u8>) -> Result<PhotoInfo> {
        let limits = self.config.photo_limits.clone();
        let p = tokio::task::spawn_blocking(move || process(&raw, &limits))
            .await
            .map_err(AppError::internal)??;
        self.photos.put(&p).await.map_err(AppError::internal)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        order_log::insert_photo(
            &mut tx,
            &NewPhoto {
                id: &p.id,
                company: actor.company_id,
                content_type: p.format.content_type(),
                width: p.width as i64,
                height: p.height as i64,
                size: p.bytes.len() as i64,
                has_thumbnail: p.thumbnail.is_some(),
                uploaded_by: Some(actor.user_id).filter(|u| u.0 != 0),
                now_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(PhotoInfo {
            id: p.id.clone(),
            content_type: p.format.content_type().to_string(),
            width: p.width,
            height: p.height,
            size: p.bytes.len(),
            has_thumbnail: p.thumbnail.is_some(),
        })
    }

    /// The photos a step refers to: each must exist in the company and have
    /// been uploaded by the caller. Duplicates are dropped.
    pub(crate) async fn check_photo_refs(
        &self,
        actor: &Actor,
        ids: &[String],
    ) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        let mut c = self.db.read().await?;
        for id in ids {
            let id = id.trim().to_ascii_lowercase();
            if !is_valid_id(&id) {
                return Err(unknown_photo(&id).into());
            }
            let row = order_log::get_photo(&mut c, &id)
                .await?
                .ok_or_else(|| unknown_photo(&id))?;
            let mine = row.uploaded_by == Some(actor.user_id.0) || actor.user_id.0 == 0;
            if row.company_id != actor.company_id.0 || !mine {
                return Err(unknown_photo(&id).into());
            }
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// A photo's bytes and type, for someone who uploaded it or may see an
    /// order it is attached to.
    pub async fn photo_bytes(
        &self,
        actor: &Actor,
        id: &str,
        thumbnail: bool,
    ) -> Result<(String, Vec<u8>)> {
        let not_found = || AppError::from(Error::not_found("照片", "photo"));
        if !is_valid_id(id) {
            return Err(not_found());
        }
        let (row, orders) = {
            let mut c = self.db.read().await?;
            let row = order_log::get_photo(&mut c, id)
                .await?
                .ok_or_else(not_found)?;
            let orders = order_log::photo_orders(&mut c, id).await?;
            (row, orders)
        };
        if row.company_id != actor.company_id.0 {
            return Err(not_found());
        }
        let mut allowed = row.uploaded_by == Some(actor.user_id.0);
        for o in orders {
            if allowed {
                break;
            }
            allowed = self.visible_order(actor, o).await.is_ok();
        }
        if !allowed {
            return Err(not_found());
        }
        let want_thumb = thumbnail && row.has_thumbnail != 0;
        let bytes = self
            .photos
            .get(id, want_thumb)
            .await
            .map_err(AppError::internal)?
            .ok_or_else(|| {
                AppError::internal(format!("photo {id} is recorded but its file is missing"))
            })?;
        let ct = if want_thumb {
            "image/jpeg".to_string()
        } else {
            row.content_type
        };
        Ok((ct, bytes))
    }
}
