//! SQLite's direct write transactions (`Db::begin_direct`) beside sqlx's
//! (`Db::begin`) in one group commit: each keeps exactly what it committed,
//! constraint errors are named as on the sqlx path, a transaction reads its
//! own writes, and closing the database lets go of the file.

use wuye_store::exec::query;
use wuye_store::{Db, DbOptions, StoreError};

async fn fresh_db(name: &str) -> (Db, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("wuye-dw-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.join("t.db").display());
    let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
    let mut tx = db.begin_direct().await.unwrap();
    query("CREATE TABLE t (id INTEGER PRIMARY KEY, who INTEGER NOT NULL UNIQUE)")
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (db, dir)
}

async fn rows(db: &Db) -> Vec<i64> {
    let mut r = db.reader().await.unwrap();
    query("SELECT who FROM t ORDER BY who")
        .fetch_all_scalar(&mut r)
        .await
        .unwrap()
}

/// Inserts `who` through a direct transaction (`direct`) or a sqlx one,
/// then commits, fails on a duplicate, rolls back or drops the transaction;
/// whether the row should stay.
async fn write(db: Db, who: i64, direct: bool) -> Result<bool, StoreError> {
    let insert = || query("INSERT INTO t (who) VALUES ($1)").bind(who);
    if direct {
        let mut tx = db.begin_direct().await?;
        insert().execute(&mut tx).await?;
        tokio::task::yield_now().await;
        match who % 5 {
            1 => {
                let e = insert().execute(&mut tx).await;
                assert!(
                    matches!(e, Err(StoreError::Unique(_))),
                    "a duplicate is a unique key error: {e:?}"
                );
                Ok(false)
            }
            2 => tx.rollback().await.map(|_| false),
            3 => {
                drop(tx);
                Ok(false)
            }
            _ => tx.commit().await.map(|_| true),
        }
    } else {
        let mut tx = db.begin().await?;
        insert().execute(&mut tx).await?;
        tokio::task::yield_now().await;
        match who % 5 {
            1 => {
                assert!(insert().execute(&mut tx).await.is_err());
                Ok(false)
            }
            2 => tx.rollback().await.map(|_| false),
            _ => tx.commit().await.map(|_| true),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_and_sqlx_writers_keep_exactly_what_they_committed() {
    let (db, dir) = fresh_db("mixed").await;
    let mut tasks = Vec::new();
    for who in 0..300_i64 {
        // Runs of each kind, so batches of both kinds form and alternate.
        let direct = (who / 7) % 2 == 0;
        tasks.push(tokio::spawn(write(db.clone(), who, direct)));
    }
    let mut committed = Vec::new();
    for (who, t) in tasks.into_iter().enumerate() {
        if t.await.unwrap().unwrap() {
            committed.push(who as i64);
        }
    }
    // A dropped member is undone when the next writer arrives (or by its
    // own task): one more write settles the batch.
    let mut tx = db.begin_direct().await.unwrap();
    query("INSERT INTO t (who) VALUES (100000)")
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    committed.push(100_000);
    assert_eq!(rows(&db).await, committed);
    let (commits, members) = db.group_commit_stats().unwrap();
    assert!(
        commits >= 2 && members >= committed.len() as u64,
        "{commits} {members}"
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_transaction_reads_its_own_writes_and_others_see_them_once_committed() {
    let (db, dir) = fresh_db("own").await;
    let mut tx = db.begin_direct().await.unwrap();
    let id: i64 = query("INSERT INTO t (who) VALUES ($1) RETURNING id")
        .bind(7_i64)
        .fetch_one_scalar(&mut tx)
        .await
        .unwrap();
    let n = query("UPDATE t SET who = who + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut tx)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let mine: Option<(i64, i64)> = query("SELECT id, who FROM t WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut tx)
        .await
        .unwrap();
    assert_eq!(mine, Some((id, 8)));
    assert!(rows(&db).await.is_empty(), "not seen before the commit");
    tx.commit().await.unwrap();
    assert_eq!(rows(&db).await, vec![8]);
    // A foreign key refusal is named as on the sqlx path.
    let mut tx = db.begin_direct().await.unwrap();
    query("CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER NOT NULL REFERENCES t (id))")
        .execute(&mut tx)
        .await
        .unwrap();
    let e = query("INSERT INTO child (t_id) VALUES (424242)")
        .execute(&mut tx)
        .await;
    assert!(matches!(e, Err(StoreError::ForeignKey)), "{e:?}");
    tx.commit().await.unwrap();
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_database_lets_go_of_the_file() {
    let (db, dir) = fresh_db("close").await;
    let mut tx = db.begin_direct().await.unwrap();
    query("INSERT INTO t (who) VALUES (1)")
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    // Another connection can now take the file for itself at once.
    let c = rusqlite::Connection::open(dir.join("t.db")).unwrap();
    c.busy_timeout(std::time::Duration::ZERO).unwrap();
    c.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
        .expect("no connection of the closed database holds the file");
    drop(c);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_in_memory_database_writes_through_sqlx() {
    let db = Db::connect("sqlite::memory:", &DbOptions::default())
        .await
        .unwrap();
    let mut tx = db.begin_direct().await.unwrap();
    assert!(matches!(tx, wuye_store::DirectTx::Sqlx(_)));
    query("CREATE TABLE t (who INTEGER)")
        .execute(&mut tx)
        .await
        .unwrap();
    query("INSERT INTO t (who) VALUES (5)")
        .execute(&mut tx)
        .await
        .unwrap();
    let who: i64 = query("SELECT who FROM t")
        .fetch_one_scalar(&mut tx)
        .await
        .unwrap();
    assert_eq!(who, 5);
    tx.commit().await.unwrap();
}

/// Inserts `who` into `t` now and into `late` at the end of the batch
/// (`execute_last`), then commits, rolls back or drops the transaction;
/// whether both rows should stay.
async fn write_with_last(db: Db, who: i64) -> Result<bool, StoreError> {
    let mut tx = db.begin_direct().await?;
    query("INSERT INTO t (who) VALUES ($1)")
        .bind(who)
        .execute(&mut tx)
        .await?;
    query("INSERT INTO late (who) VALUES ($1)")
        .bind(who)
        .execute_last(&mut tx)
        .await?;
    tokio::task::yield_now().await;
    match who % 4 {
        1 => tx.rollback().await.map(|_| false),
        2 => {
            drop(tx);
            Ok(false)
        }
        _ => tx.commit().await.map(|_| true),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_left_for_the_end_of_a_batch_keep_only_what_was_committed() {
    let (db, dir) = fresh_db("last").await;
    let mut tx = db.begin_direct().await.unwrap();
    query("CREATE TABLE late (who INTEGER NOT NULL UNIQUE)")
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tasks: Vec<_> = (0..200_i64)
        .map(|who| tokio::spawn(write_with_last(db.clone(), who)))
        .collect();
    let mut committed = Vec::new();
    for (who, t) in tasks.into_iter().enumerate() {
        if t.await.unwrap().unwrap() {
            committed.push(who as i64);
        }
    }
    // Settle a batch a dropped member may have left open.
    write_with_last(db.clone(), 100_000).await.unwrap();
    committed.push(100_000);
    assert_eq!(rows(&db).await, committed);
    let mut r = db.reader().await.unwrap();
    let late: Vec<i64> = query("SELECT who FROM late ORDER BY who")
        .fetch_all_scalar(&mut r)
        .await
        .unwrap();
    assert_eq!(late, committed, "a member's last statements share its fate");
    drop(r);

    // A last statement that fails fails its batch: nothing of it is kept,
    // and the writer is told.
    let mut tx = db.begin_direct().await.unwrap();
    query("INSERT INTO t (who) VALUES (424242)")
        .execute(&mut tx)
        .await
        .unwrap();
    query("INSERT INTO late (who) VALUES (100000)")
        .execute_last(&mut tx)
        .await
        .unwrap();
    let e = tx.commit().await;
    assert!(matches!(e, Err(StoreError::Unavailable(_))), "{e:?}");
    assert_eq!(rows(&db).await, committed, "the failed batch left nothing");
    // The writer goes on with the next batch.
    write_with_last(db.clone(), 100_004).await.unwrap();
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
