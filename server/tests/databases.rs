//! The relay keeps its data in SQLite or PostgreSQL, migrated from two folders of migrations:
//! they must describe one schema. (Every other suite runs on both databases; this one compares
//! them, so it runs in the PostgreSQL pass, where both are at hand.)

mod common;

use std::collections::BTreeSet;

use tsunagu_server::{Config, Server};

/// (table, column, may be NULL) for every column.
type Columns = BTreeSet<(String, String, bool)>;

#[tokio::test]
async fn postgres_holds_the_same_tables_columns_and_indexes_as_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dist = dir.path().join("dist");
    let sqlite_data = dir.path().join("sqlite");
    let on_sqlite = Server::start(Config::new(
        "127.0.0.1:0".parse().expect("an address"),
        &sqlite_data,
        &dist,
    ))
    .await
    .expect("the relay starts on SQLite");
    on_sqlite.stop().await;
    let postgres_data = dir.path().join("postgres");
    let config = common::config(&postgres_data, &dist).await;
    assert!(
        config.database.is_some(),
        "run with TSUNAGU_TEST_POSTGRES (cargo xtask test-postgres)"
    );
    let on_postgres = Server::start(config)
        .await
        .expect("the relay starts on PostgreSQL");
    on_postgres.stop().await;

    let sqlite = sqlx::AnyPool::connect(&format!(
        "sqlite://{}",
        sqlite_data.join(tsunagu_server::DATABASE_FILE).display()
    ))
    .await
    .expect("the SQLite file opens");
    let postgres = common::database(&postgres_data).await;

    // A primary key column is never NULL (SQLite does not say so for one that is not an
    // INTEGER PRIMARY KEY, PostgreSQL does).
    let sqlite_columns: Columns = sqlx::query_as::<_, (String, String, i64, i64)>(
        "SELECT m.name, p.name, p.\"notnull\", p.pk FROM sqlite_master m, pragma_table_info(m.name) p
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&sqlite)
    .await
    .expect("SQLite's columns")
    .into_iter()
    .map(|(table, column, not_null, pk)| (table, column, not_null == 0 && pk == 0))
    .collect();
    let postgres_columns: Columns = sqlx::query_as::<_, (String, String, String)>(
        "SELECT table_name::text, column_name::text, is_nullable::text
           FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&postgres)
    .await
    .expect("PostgreSQL's columns")
    .into_iter()
    .map(|(table, column, nullable)| (table, column, nullable == "YES"))
    .collect();
    assert!(sqlite_columns.len() > 100, "{sqlite_columns:?}");
    assert_eq!(
        sqlite_columns
            .difference(&postgres_columns)
            .collect::<Vec<_>>(),
        Vec::<&(String, String, bool)>::new(),
        "in SQLite only (or nullable in one of them)"
    );
    assert_eq!(
        postgres_columns
            .difference(&sqlite_columns)
            .collect::<Vec<_>>(),
        Vec::<&(String, String, bool)>::new(),
        "in PostgreSQL only (or nullable in one of them)"
    );

    // Named indexes (the ones keys and UNIQUE make are named differently by each).
    let sqlite_indexes: BTreeSet<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .fetch_all(&sqlite)
    .await
    .expect("SQLite's indexes")
    .into_iter()
    .collect();
    let postgres_indexes: BTreeSet<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes
          WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'",
    )
    .fetch_all(&postgres)
    .await
    .expect("PostgreSQL's indexes")
    .into_iter()
    .collect();
    assert!(!sqlite_indexes.is_empty());
    assert_eq!(sqlite_indexes, postgres_indexes);
}
