//! SQLite's direct read path (`Db::reader`) against sqlx's pool: the same
//! query text and values give the same rows, a commit is seen at once, and
//! failures are errors, never panics.

use wuye_store::sql::Sql;
use wuye_store::{Db, DbOptions, Read, Reader, StoreError};

#[derive(Debug, PartialEq, sqlx::FromRow, serde::Deserialize)]
struct Thing {
    id: i64,
    name: String,
    note: Option<String>,
    weight: Option<f64>,
}

async fn fresh_db(name: &str) -> (Db, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("wuye-reader-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.join("t.db").display());
    let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    sqlx::query(
        "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT, weight REAL)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    for (id, name, note, weight) in [
        (1_i64, "水管", Some("厨房 '漏水'"), Some(1.5)),
        (2, "电梯", None, None),
        (3, "门禁", Some(""), Some(-0.25)),
    ] {
        sqlx::query("INSERT INTO things (id, name, note, weight) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(name)
            .bind(note)
            .bind(weight)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    (db, dir)
}

fn things_query(min_id: i64, note: Option<&str>) -> Sql {
    let mut q = Sql::new("SELECT id, name, note, weight FROM things WHERE id >= ");
    q.bind(min_id);
    if let Some(n) = note {
        q.push(" AND note = ").bind(n.to_string());
    }
    q.push(" ORDER BY id");
    q
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_and_pooled_reads_give_the_same_rows() {
    let (db, dir) = fresh_db("same").await;
    let mut direct = db.reader().await.unwrap();
    assert!(
        matches!(direct, Reader::Direct(_)),
        "SQLite file reads directly"
    );
    let mut pooled = db.pooled_reader().await.unwrap();
    for (min_id, note) in [(1, None), (2, None), (1, Some("厨房 '漏水'")), (9, None)] {
        let a: Vec<Thing> = direct.all(things_query(min_id, note)).await.unwrap();
        let b: Vec<Thing> = pooled.all(things_query(min_id, note)).await.unwrap();
        assert_eq!(a, b, "min_id {min_id}, note {note:?}");
    }
    let all: Vec<Thing> = direct.all(things_query(1, None)).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].note, None);
    assert_eq!(all[2].weight, Some(-0.25));
    // Tuples read by position, as with sqlx.
    let mut q = Sql::new("SELECT id, name FROM things WHERE id = $1");
    q.arg(2_i64);
    let t: Option<(i64, String)> = direct.optional(q).await.unwrap();
    assert_eq!(t, Some((2, "电梯".to_string())));
    // Parameters named out of order bind by their number.
    let mut q = Sql::new("SELECT id, name FROM things WHERE name = $2 AND id = $1");
    q.arg(2_i64).arg("电梯".to_string());
    let by_number: Option<(i64, String)> = direct.optional(q).await.unwrap();
    assert_eq!(by_number, Some((2, "电梯".to_string())));
    let mut q = Sql::new("SELECT id, name FROM things WHERE id = $1");
    q.arg(42_i64);
    let none: Option<(i64, String)> = direct.optional(q).await.unwrap();
    assert_eq!(none, None);
    drop((direct, pooled));
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

async fn count(r: &mut Reader) -> i64 {
    let q = Sql::new("SELECT COUNT(*) FROM things");
    r.optional::<(i64,)>(q).await.unwrap().unwrap().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_reader_sees_each_commit_at_once() {
    let (db, dir) = fresh_db("fresh").await;
    let mut r = db.reader().await.unwrap();
    assert_eq!(count(&mut r).await, 3);
    for n in 4..=6_i64 {
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO things (id, name) VALUES ($1, 'x')")
            .bind(n)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // The same connection, kept across the commit, and one from the pool.
        assert_eq!(count(&mut r).await, n);
        let mut again = db.reader().await.unwrap();
        assert_eq!(count(&mut again).await, n);
    }
    drop(r);
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_read_failures_are_errors() {
    let (db, dir) = fresh_db("errors").await;
    let mut r = db.reader().await.unwrap();
    // A query SQLite cannot prepare.
    let e = r
        .all::<(i64,)>(Sql::new("SELECT nothing FROM nowhere"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Direct(_)), "{e:?}");
    // A column that does not fit the row type.
    let e = r
        .all::<(i64,)>(Sql::new("SELECT name FROM things"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Direct(_)), "{e:?}");
    // The connection still serves after both.
    let ok: Vec<(i64,)> = r
        .all(Sql::new("SELECT id FROM things ORDER BY id"))
        .await
        .unwrap();
    assert_eq!(ok, vec![(1,), (2,), (3,)]);
    drop(r);
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_in_memory_database_reads_through_the_pool() {
    // Another connection would open another, empty, in-memory database.
    let db = Db::connect("sqlite::memory:", &DbOptions::default())
        .await
        .unwrap();
    assert!(matches!(db.reader().await.unwrap(), Reader::Pooled(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_holds_until_the_reader_is_dropped() {
    let (db, dir) = fresh_db("snapshot").await;
    let mut r = db.reader().await.unwrap();
    r.snapshot().unwrap();
    assert_eq!(count(&mut r).await, 3);
    let mut tx = db.begin().await.unwrap();
    sqlx::query("INSERT INTO things (id, name) VALUES (4, 'x')")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // One moment: the snapshot does not see the commit after it.
    assert_eq!(count(&mut r).await, 3);
    drop(r);
    // Its connection goes back to the pool with the snapshot ended: the
    // next reader (the same connection, as it is the only idle one) sees it.
    let mut again = db.reader().await.unwrap();
    assert_eq!(count(&mut again).await, 4);
    // A pooled reader ignores snapshot() and reads statement by statement.
    let mut pooled = db.pooled_reader().await.unwrap();
    pooled.snapshot().unwrap();
    assert_eq!(count(&mut pooled).await, 4);
    drop((again, pooled));
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_leaves_no_direct_connection_open() {
    let (db, dir) = fresh_db("close").await;
    let mut held = db.reader().await.unwrap();
    assert_eq!(count(&mut held).await, 3);
    db.close().await;
    // Returned after the close: closed, not kept.
    drop(held);
    let e = db.reader().await.err().expect("closed");
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    // Nobody holds the file: another process could take it exclusively.
    let c = rusqlite::Connection::open(dir.join("t.db")).unwrap();
    c.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
        .unwrap();
    drop(c);
    let _ = std::fs::remove_dir_all(dir);
}

/// Closing the database does not wait for ever on a connection someone
/// still holds (sqlx's `Pool::close` waits for every checked-out one): a
/// stopping server must stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_does_not_wait_for_ever_on_a_held_connection() {
    let (db, dir) = fresh_db("held").await;
    let held = db.read().await.unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(std::time::Duration::from_secs(60), db.close())
        .await
        .expect("close returned while a connection was still held");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    drop(held);
    let _ = std::fs::remove_dir_all(dir);
}
