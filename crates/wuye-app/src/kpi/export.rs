//! Exports: a KPI table, or an order list, as CSV (UTF-8 with BOM, so Excel
//! in China opens it right) or as an Excel workbook.

use super::dashboard::{Dashboard, DashboardQuery};
use crate::App;
use crate::error::{AppError, Result};
use crate::orders::query::OrderQuery;
use rust_xlsxwriter::Workbook;
use wuye_domain::access::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

fn table(header: &[&str], rows: Vec<Vec<String>>, format: Format, sheet: &str) -> Result<Vec<u8>> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            w.write_record(header).map_err(AppError::internal)?;
            for r in rows {
                w.write_record(&r).map_err(AppError::internal)?;
            }
            w.into_inner().map_err(AppError::internal)
        }
        Format::Xlsx => {
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name(sheet).map_err(AppError::internal)?;
            for (c, h) in header.iter().enumerate() {
                ws.write_string(0, c as u16, *h)
                    .map_err(AppError::internal)?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    match v.parse::<f64>() {
                        Ok(n) if !v.is_empty() && !v.starts_with('0') || v == "0" => ws
                            .write_number(r as u32 + 1, c as u16, n)
                            .map_err(AppError::internal)?,
                        _ => ws
                            .write_string(r as u32 + 1, c as u16, v)
                            .map_err(AppError::internal)?,
                    };
                }
            }
            wb.save_to_buffer().map_err(AppError::internal)
        }
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

impl App {
    pub async fn export_kpis(
        &self,
        actor: &Actor,
        q: &DashboardQuery,
        format: Format,
    ) -> Result<Vec<u8>> {
        let d: Dashboard = self.dashboard(actor, q).await?;
        let rows = d
            .tiles
            .iter()
            .map(|t| {
                vec![
                    t.code.to_string(),
                    t.label_zh.to_string(),
                    t.label_en.to_string(),
                    opt(t.value),
                    opt(t.previous),
                    opt(t.change),
                    opt(t.target),
                    t.numerator.to_string(),
                    t.denominator.to_string(),
                ]
            })
            .collect();
        table(
            &[
                "code",
                "指标",
                "KPI",
                "本期 value",
                "上期 previous",
                "变化 change",
                "目标 target",
                "分子 numerator",
                "分母 denominator",
            ],
            rows,
            format,
            "KPI",
        )
    }

    /// Any order list the caller may see (the same filters as the API), up
    /// to 10,000 rows; phone numbers masked.
    pub async fn export_orders(
        &self,
        actor: &Actor,
        q: &OrderQuery,
        format: Format,
    ) -> Result<Vec<u8>> {
        let mut rows = Vec::new();
        let mut q = q.clone();
        q.limit = Some(200);
        loop {
            let page = self.list_orders(actor, &q).await?;
            for o in page.items {
                rows.push(vec![
                    o.number,
                    o.kind,
                    o.state,
                    o.priority,
                    o.category.unwrap_or_default(),
                    o.community_name,
                    o.place.label,
                    o.contact_name,
                    o.contact_phone,
                    o.text,
                    o.team_name.unwrap_or_default(),
                    o.assignee_name.unwrap_or_default(),
                    o.created_at.to_string(),
                    o.resolved_at.map(|t| t.to_string()).unwrap_or_default(),
                    o.rating.map(|r| r.to_string()).unwrap_or_default(),
                ]);
            }
            match page.next {
                Some(n) if rows.len() < 10_000 => q.after = Some(n),
                _ => break,
            }
        }
        table(
            &[
                "工单号 number",
                "类型 kind",
                "状态 state",
                "优先级 priority",
                "类别 category",
                "小区 community",
                "位置 place",
                "联系人 contact",
                "电话 phone",
                "内容 text",
                "班组 team",
                "处理人 assignee",
                "创建 created",
                "完成 resolved",
                "评分 rating",
            ],
            rows,
            format,
            "orders",
        )
    }
}
