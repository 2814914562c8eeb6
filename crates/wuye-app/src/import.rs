//! CSV import of homes (with their buildings and entrances) and residents.
//!
//! Excel in China saves CSV as GBK, so the bytes are read as UTF-8 when they
//! are valid UTF-8 (BOM or not) and as GB18030 (a superset of GBK) otherwise.
//! Every line is checked before anything is written; then all of it is
//! written in one transaction, or none of it.

use crate::App;
use crate::audit::record;
use crate::error::Result;
use serde::Serialize;
use std::collections::HashMap;
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::directory::{Community, Relation, home_label};
use wuye_domain::ids::*;
use wuye_domain::values::{Area, Label, Name, Phone};
use wuye_store::directory::{self as dir, NewHome};
use wuye_store::{StoreError, people};

/// At most this many data lines per file.
pub const MAX_ROWS: usize = 100_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// The column at fault, as named in the file's header.
    pub column: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// True when everything was imported; false when nothing was.
    pub imported: bool,
    /// "UTF-8" or "GBK".
    pub encoding: String,
    pub rows: usize,
    pub created_buildings: usize,
    pub created_entrances: usize,
    pub created_homes: usize,
    pub created_residents: usize,
    pub linked_homes: usize,
    pub errors: Vec<LineError>,
}

impl ImportReport {
    fn new(encoding: &str) -> Self {
        Self {
            imported: false,
            encoding: encoding.into(),
            rows: 0,
            created_buildings: 0,
            created_entrances: 0,
            created_homes: 0,
            created_residents: 0,
            linked_homes: 0,
            errors: vec![],
        }
    }

    fn err(&mut self, line: usize, column: &str, e: &Error) {
        self.errors.push(LineError {
            line,
            column: column.to_string(),
            code: e.code.to_string(),
            message_zh: e.zh.clone(),
            message_en: e.en.clone(),
        });
    }
}

/// Decodes the file's bytes: UTF-8 (with or without BOM), else GB18030/GBK.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(Error::invalid(
            "encoding_unknown",
            "文件既不是 UTF-8 也不是 GBK 编码，请在 Excel 中“另存为 CSV UTF-8”后重试",
            "The file is neither UTF-8 nor GBK; save it from Excel as “CSV UTF-8” and try again",
        )
        .into());
    }
    Ok((text.into_owned(), "GBK"))
}

/// The columns a file may have, each with the header names accepted.
struct Columns {
    idx: HashMap<&'static str, (usize, String)>,
}

impl Columns {
    fn read(
        header: &csv::StringRecord,
        spec: &[(&'static str, &[&str], bool)],
    ) -> std::result::Result<Self, Error> {
        let mut idx = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            let h = h.trim().trim_start_matches('\u{feff}');
            for (key, names, _) in spec {
                if names.iter().any(|n| n.eq_ignore_ascii_case(h)) {
                    idx.insert(*key, (i, h.to_string()));
                }
            }
        }
        for (key, names, required) in spec {
            if *required && !idx.contains_key(key) {
                return Err(Error::invalid(
                    "column_missing",
                    format!(
                        "缺少必填列“{}”（表头第一行应包含：{}）",
                        names[0],
                        names.join(" / ")
                    ),
                    format!(
                        "Missing the required column “{}” (accepted names: {})",
                        names[1],
                        names.join(" / ")
                    ),
                ));
            }
        }
        Ok(Self { idx })
    }

    fn get<'r>(&self, rec: &'r csv::StringRecord, key: &str) -> Option<&'r str> {
        self.idx
            .get(key)
            .and_then(|(i, _)| rec.get(*i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn name(&self, key: &str) -> String {
        self.idx
            .get(key)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| key.to_string())
    }
}

const HOME_COLUMNS: &[(&str, &[&str], bool)] = &[
    ("community", &["小区", "community", "项目"], true),
    ("building", &["楼栋", "building", "楼号"], true),
    ("entrance", &["单元", "entrance", "unit"], false),
    ("number", &["房号", "number", "房间号", "room"], true),
    ("floor", &["楼层", "floor"], false),
    ("area", &["面积", "area", "建筑面积"], false),
];

const RESIDENT_COLUMNS: &[(&str, &[&str], bool)] = &[
    ("name", &["姓名", "name"], true),
    ("phone", &["手机号", "phone", "电话", "手机"], true),
    ("community", &["小区", "community", "项目"], true),
    ("building", &["楼栋", "building", "楼号"], true),
    ("entrance", &["单元", "entrance", "unit"], false),
    ("number", &["房号", "number", "房间号", "room"], true),
    ("relation", &["关系", "relation", "身份"], false),
];

fn missing(col: &str) -> Error {
    Error::invalid(
        "value_missing",
        format!("“{col}”不能为空"),
        format!("“{col}” must not be empty"),
    )
}

fn records(
    text: &str,
) -> std::result::Result<(csv::StringRecord, Vec<(usize, csv::StringRecord)>), Error> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = rdr.headers().map_err(csv_error)?.clone();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_error)?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        rows.push((line, rec));
        if rows.len() > MAX_ROWS {
            return Err(Error::invalid(
                "too_many_rows",
                format!("一次最多导入 {MAX_ROWS} 行，请拆分文件"),
                format!("At most {MAX_ROWS} rows per import; split the file"),
            ));
        }
    }
    if rows.is_empty() {
        return Err(Error::invalid(
            "file_empty",
            "文件里没有数据行",
            "The file has no data rows",
        ));
    }
    Ok((header, rows))
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    Error::invalid(
        "csv_invalid",
        format!("第 {line} 行不是有效的 CSV：{e}"),
        format!("Line {line} is not valid CSV: {e}"),
    )
}

/// A home a line refers to, by community and label parts.
struct HomeRef {
    community: CommunityId,
    building: String,
    entrance: Option<String>,
    number: String,
}

impl HomeRef {
    fn label(&self) -> String {
        home_label(&self.building, self.entrance.as_deref(), &self.number)
    }
}

fn parse_home_ref(
    cols: &Columns,
    rec: &csv::StringRecord,
    communities: &[Community],
    line: usize,
    report: &mut ImportReport,
) -> Option<HomeRef> {
    let mut ok = true;
    let community = match cols.get(rec, "community") {
        None => {
            report.err(
                line,
                &cols.name("community"),
                &missing(&cols.name("community")),
            );
            ok = false;
            None
        }
        Some(n) => match communities.iter().find(|c| c.name == n) {
            Some(c) => Some(c.id),
            None => {
                report.err(
                    line,
                    &cols.name("community"),
                    &Error::invalid(
                        "community_unknown",
                        format!("找不到小区“{n}”（或您无权管理它）"),
                        format!("No community named “{n}” that you manage"),
                    ),
                );
                ok = false;
                None
            }
        },
    };
    let mut label = |key: &str| -> Option<String> {
        match cols.get(rec, key) {
            None => {
                report.err(line, &cols.name(key), &missing(&cols.name(key)));
                ok = false;
                None
            }
            Some(v) => match Label::parse(v) {
                Ok(l) => Some(l.to_string()),
                Err(e) => {
                    report.err(line, &cols.name(key), &e);
                    ok = false;
                    None
                }
            },
        }
    };
    let building = label("building");
    let number = label("number");
    let entrance = match cols.get(rec, "entrance") {
        None => None,
        Some(v) => match Label::parse(v) {
            Ok(l) => Some(l.to_string()),
            Err(e) => {
                report.err(line, &cols.name("entrance"), &e);
                ok = false;
                None
            }
        },
    };
    if !ok {
        return None;
    }
    Some(HomeRef {
        community: community?,
        building: building?,
        entrance,
        number: number?,
    })
}

struct HomeRow {
    at: HomeRef,
    floor: Option<i64>,
    area: Option<String>,
}

struct ResidentRow {
    line: usize,
    name: String,
    phone: String,
    at: HomeRef,
    relation: Relation,
}

impl App {
    async fn import_scope(&self, actor: &Actor) -> Result<Vec<Community>> {
        actor.require(Resource::Import, Access::Write)?;
        self.list_communities(actor).await
    }

    /// Imports buildings, entrances and homes.
    pub async fn import_homes(&self, actor: &Actor, bytes: &[u8]) -> Result<ImportReport> {
        let communities = self.import_scope(actor).await?;
        let (text, encoding) = decode(bytes)?;
        let mut report = ImportReport::new(encoding);
        let (header, recs) = records(&text)?;
        let cols = Columns::read(&header, HOME_COLUMNS)?;
        report.rows = recs.len();
        let mut rows = Vec::new();
        let mut seen: HashMap<(CommunityId, String), usize> = HashMap::new();
        {
            let mut c = self.db.read().await?;
            for (line, rec) in &recs {
                let line = *line;
                let Some(at) = parse_home_ref(&cols, rec, &communities, line, &mut report) else {
                    continue;
                };
                let floor = match cols.get(rec, "floor") {
                    None => None,
                    Some(v) => match v.trim_end_matches(['层', 'F', 'f']).parse::<i64>() {
                        Ok(f) if (-10..=200).contains(&f) && f != 0 => Some(f),
                        _ => {
                            report.err(
                                line,
                                &cols.name("floor"),
                                &Error::invalid(
                                    "floor_invalid",
                                    format!("楼层“{v}”无效：应为 -10 到 200 之间的整数且不为 0"),
                                    format!("Floor “{v}” is not valid: a whole number from -10 to 200, not 0"),
                                ),
                            );
                            continue;
                        }
                    },
                };
                let area = match cols.get(rec, "area").map(Area::parse).transpose() {
                    Ok(a) => a.map(|a| a.to_string()),
                    Err(e) => {
                        report.err(line, &cols.name("area"), &e);
                        continue;
                    }
                };
                let key = (at.community, at.label());
                if let Some(first) = seen.get(&key) {
                    report.err(
                        line,
                        &cols.name("number"),
                        &Error::invalid(
                            "home_repeated",
                            format!("房屋“{}”与第 {first} 行重复", key.1),
                            format!("Home “{}” repeats line {first}", key.1),
                        ),
                    );
                    continue;
                }
                seen.insert(key.clone(), line);
                if dir::find_home(&mut c, at.community, &key.1)
                    .await?
                    .is_some()
                {
                    report.err(
                        line,
                        &cols.name("number"),
                        &Error::invalid(
                            "home_exists",
                            format!("房屋“{}”已存在", key.1),
                            format!("Home “{}” already exists", key.1),
                        ),
                    );
                    continue;
                }
                rows.push(HomeRow { at, floor, area });
            }
        }
        if !report.errors.is_empty() {
            report.errors.sort_by_key(|e| e.line);
            return Ok(report);
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let mut places = PlaceCache::default();
        for r in &rows {
            let (b, e) = places.resolve(&mut tx, &r.at, &mut report).await?;
            dir::insert_home(
                &mut tx,
                NewHome {
                    community: r.at.community,
                    building: b,
                    entrance: e,
                    number: &r.at.number,
                    floor: r.floor,
                    area: r.area.clone(),
                    label: r.at.label(),
                },
                now,
            )
            .await?;
            report.created_homes += 1;
        }
        record(
            &mut tx,
            actor,
            now,
            "import",
            0,
            "import_homes",
            None,
            Some(
                serde_json::json!({"rows": report.rows, "homes": report.created_homes,
                "buildings": report.created_buildings, "entrances": report.created_entrances}),
            ),
        )
        .await?;
        tx.commit().await?;
        report.imported = true;
        Ok(report)
    }

    /// Imports residents and links them to existing homes. One phone number
    /// on several lines is one person with several homes.
    pub async fn import_residents(&self, actor: &Actor, bytes: &[u8]) -> Result<ImportReport> {
        let communities = self.import_scope(actor).await?;
        let (text, encoding) = decode(bytes)?;
        let mut report = ImportReport::new(encoding);
        let (header, recs) = records(&text)?;
        let cols = Columns::read(&header, RESIDENT_COLUMNS)?;
        report.rows = recs.len();
        let mut rows: Vec<ResidentRow> = Vec::new();
        for (line, rec) in &recs {
            let line = *line;
            let name = match cols.get(rec, "name").map(Name::parse) {
                None => Err(missing(&cols.name("name"))),
                Some(r) => r,
            };
            let phone = match cols.get(rec, "phone").map(Phone::parse) {
                None => Err(missing(&cols.name("phone"))),
                Some(r) => r,
            };
            let relation = cols
                .get(rec, "relation")
                .map(Relation::parse)
                .unwrap_or(Ok(Relation::Owner));
            let at = parse_home_ref(&cols, rec, &communities, line, &mut report);
            let (name, phone, relation) = match (name, phone, relation) {
                (Ok(n), Ok(p), Ok(r)) => (n, p, r),
                (n, p, r) => {
                    for (col, e) in [("name", n.err()), ("phone", p.err()), ("relation", r.err())] {
                        if let Some(e) = e {
                            report.err(line, &cols.name(col), &e);
                        }
                    }
                    continue;
                }
            };
            let Some(at) = at else { continue };
            if let Some(prev) = rows
                .iter()
                .find(|r| r.phone == phone.as_str() && r.name != name.as_str())
            {
                report.err(
                    line,
                    &cols.name("name"),
                    &Error::invalid(
                        "phone_name_mismatch",
                        format!(
                            "手机号 {} 在第 {} 行登记的姓名是“{}”",
                            phone.masked(),
                            prev.line,
                            prev.name
                        ),
                        format!(
                            "Phone {} is registered to “{}” on line {}",
                            phone.masked(),
                            prev.name,
                            prev.line
                        ),
                    ),
                );
                continue;
            }
            rows.push(ResidentRow {
                line,
                name: name.to_string(),
                phone: phone.to_string(),
                at,
                relation,
            });
        }
        // Resolve homes and existing residents.
        let mut resolved: Vec<(usize, HomeId, Option<ResidentId>)> = Vec::new();
        {
            let mut c = self.db.read().await?;
            for (i, r) in rows.iter().enumerate() {
                let label = r.at.label();
                let Some(home) = dir::find_home(&mut c, r.at.community, &label).await? else {
                    report.err(
                        r.line,
                        &cols.name("number"),
                        &Error::invalid(
                            "home_unknown",
                            format!("房屋“{label}”不存在，请先导入房屋"),
                            format!("Home “{label}” does not exist; import homes first"),
                        ),
                    );
                    continue;
                };
                let existing =
                    people::find_resident_by_phone(&mut c, actor.company_id, &r.phone).await?;
                if let Some(id) = existing {
                    let old = people::get_resident(&mut c, actor.company_id, id).await?;
                    if old.name != r.name {
                        report.err(
                            r.line,
                            &cols.name("phone"),
                            &Error::invalid(
                                "phone_taken",
                                format!(
                                    "手机号 {} 已登记为住户“{}”",
                                    wuye_domain::values::mask_phone(&r.phone),
                                    old.name
                                ),
                                format!(
                                    "Phone {} already belongs to resident “{}”",
                                    wuye_domain::values::mask_phone(&r.phone),
                                    old.name
                                ),
                            ),
                        );
                        continue;
                    }
                    if old.homes.iter().any(|h| h.home_id == home.id) {
                        continue; // already linked: nothing to do
                    }
                }
                resolved.push((i, home.id, existing));
            }
        }
        if !report.errors.is_empty() {
            report.errors.sort_by_key(|e| e.line);
            return Ok(report);
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let mut created: HashMap<String, ResidentId> = HashMap::new();
        for (i, home, existing) in resolved {
            let r = &rows[i];
            let id = match existing.or_else(|| created.get(&r.phone).copied()) {
                Some(id) => id,
                None => {
                    let id =
                        people::insert_resident(&mut tx, actor.company_id, &r.name, &r.phone, now)
                            .await?;
                    created.insert(r.phone.clone(), id);
                    report.created_residents += 1;
                    id
                }
            };
            match people::link_home(&mut tx, id, home, r.relation).await {
                Ok(()) => report.linked_homes += 1,
                // The same person and home twice in the file: once is enough.
                Err(StoreError::Unique(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        record(
            &mut tx,
            actor,
            now,
            "import",
            0,
            "import_residents",
            None,
            Some(
                serde_json::json!({"rows": report.rows, "residents": report.created_residents,
                "links": report.linked_homes}),
            ),
        )
        .await?;
        tx.commit().await?;
        report.imported = true;
        Ok(report)
    }
}

/// Buildings and entrances found or created during one import.
#[derive(Default)]
struct PlaceCache {
    buildings: HashMap<(CommunityId, String), BuildingId>,
    entrances: HashMap<(BuildingId, String), EntranceId>,
}

impl PlaceCache {
    async fn resolve(
        &mut self,
        c: &mut wuye_store::Conn,
        at: &HomeRef,
        report: &mut ImportReport,
    ) -> Result<(BuildingId, Option<EntranceId>)> {
        let bkey = (at.community, at.building.clone());
        let b = match self.buildings.get(&bkey) {
            Some(b) => *b,
            None => {
                let b = match dir::find_building(c, at.community, &at.building).await? {
                    Some(b) => b.id,
                    None => {
                        report.created_buildings += 1;
                        dir::insert_building(c, at.community, &at.building)
                            .await?
                            .id
                    }
                };
                self.buildings.insert(bkey, b);
                b
            }
        };
        let Some(ename) = &at.entrance else {
            return Ok((b, None));
        };
        let ekey = (b, ename.clone());
        let e = match self.entrances.get(&ekey) {
            Some(e) => *e,
            None => {
                let e = match dir::find_entrance(c, b, ename).await? {
                    Some(e) => e.id,
                    None => {
                        report.created_entrances += 1;
                        dir::insert_entrance(c, b, ename).await?.id
                    }
                };
                self.entrances.insert(ekey, e);
                e
            }
        };
        Ok((b, Some(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_files_are_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("小区,楼栋,房号\n翠湖花园,3栋,1202\n");
        let (text, enc) = decode(&bytes).unwrap();
        assert_eq!(enc, "GBK");
        assert!(text.contains("翠湖花园"));
        let (text, enc) = decode("\u{feff}小区".as_bytes()).unwrap();
        assert_eq!((text.as_str(), enc), ("小区", "UTF-8"));
    }

    #[test]
    fn binary_garbage_is_refused() {
        let err = decode(&[0xff, 0xfe, 0x00, 0x81]).unwrap_err();
        assert_eq!(err.code(), "encoding_unknown");
    }
}
