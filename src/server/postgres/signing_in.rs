//! Sign-ins on their way in PostgreSQL: single sign-ons under way and the failures in
//! a row of each address and account name, shared by every server of the database.
//! The rules are those of the SQLite store (`server::sqlite::signing_in`).

use super::{db, Result};
use crate::server::guard::Tried;
use crate::server::sso::{Added, Find, Pending, LIFETIME};
use crate::server::ServerError;
use deadpool_postgres::Object;
use tokio_postgres::Client;

fn read(body: Option<String>) -> Result<Option<Pending>> {
    body.map(|b| Pending::from_json(&b).map_err(ServerError::Internal)).transpose()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub async fn add(mut c: Object, p: &Pending, per_address: usize, most: usize) -> Result<Added> {
    let tx = c.transaction().await.map_err(db)?;
    tx.execute("DELETE FROM sso_pending WHERE started < $1", &[&(now() - LIFETIME.as_millis() as i64)])
        .await
        .map_err(db)?;
    if let Some(from) = &p.from {
        let r = tx
            .query_one("SELECT count(*), min(started) FROM sso_pending WHERE address = $1", &[from])
            .await
            .map_err(db)?;
        if r.get::<_, i64>(0) as usize >= per_address {
            return Ok(Added::Busy { oldest: r.get::<_, Option<i64>>(1).unwrap_or(p.started) });
        }
    }
    let r = tx.query_one("SELECT count(*), min(started) FROM sso_pending", &[]).await.map_err(db)?;
    if r.get::<_, i64>(0) as usize >= most {
        return Ok(Added::Busy { oldest: r.get::<_, Option<i64>>(1).unwrap_or(p.started) });
    }
    let added = tx
        .execute(
            "INSERT INTO sso_pending (code, poll, state, address, started, body) VALUES ($1, $2, NULL, $3, $4, $5)
             ON CONFLICT (code) DO NOTHING",
            &[&p.code, &p.poll, &p.from, &p.started, &p.to_json()],
        )
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(if added == 1 { Added::Kept } else { Added::CodeTaken })
}

pub async fn find(c: &Client, by: &Find) -> Result<Option<Pending>> {
    let (sql, key) = match by {
        Find::Code(code) => ("SELECT body FROM sso_pending WHERE code = $1", code),
        Find::Poll(hash) => ("SELECT body FROM sso_pending WHERE poll = $1", hash),
    };
    read(c.query_opt(sql, &[key]).await.map_err(db)?.map(|r| r.get(0)))
}

pub async fn put(c: &Client, p: &Pending, state: Option<&str>) -> Result<bool> {
    let changed = c
        .execute(
            "UPDATE sso_pending SET body = $2, state = $3, ended = $4 WHERE code = $1 AND NOT ended",
            &[&p.code, &p.to_json(), &state, &p.outcome.is_some()],
        )
        .await
        .map_err(db)?;
    Ok(changed == 1)
}

pub async fn went(c: &Client, state: &str) -> Result<Option<Pending>> {
    let row = c
        .query_opt("UPDATE sso_pending SET state = NULL WHERE state = $1 RETURNING body", &[&state])
        .await
        .map_err(db)?;
    read(row.map(|r| r.get(0)))
}

pub async fn remove(c: &Client, code: &str) -> Result<bool> {
    Ok(c.execute("DELETE FROM sso_pending WHERE code = $1", &[&code]).await.map_err(db)? == 1)
}

pub async fn held(c: &Client, keys: &[String]) -> Result<i64> {
    let r = c
        .query_one("SELECT coalesce(max(not_before), 0) FROM sign_in_tries WHERE key = ANY($1)", &[&keys])
        .await
        .map_err(db)?;
    Ok(r.get(0))
}

pub async fn tried(mut c: Object, keys: &[Tried], success: bool) -> Result<()> {
    let now = now();
    let tx = c.transaction().await.map_err(db)?;
    for t in keys {
        if success {
            tx.execute("DELETE FROM sign_in_tries WHERE key = $1", &[&t.key]).await.map_err(db)?;
            continue;
        }
        let failures: i32 = tx
            .query_one(
                "INSERT INTO sign_in_tries (key, failures, not_before, last) VALUES ($1, 1, 0, $2)
                 ON CONFLICT (key) DO UPDATE SET failures = sign_in_tries.failures + 1, last = $2
                 RETURNING failures",
                &[&t.key, &now],
            )
            .await
            .map_err(db)?
            .get(0);
        if let Some(wait) = t.wait_after(failures.max(0) as u32) {
            tx.execute(
                "UPDATE sign_in_tries SET not_before = greatest(not_before, $2) WHERE key = $1",
                &[&t.key, &(now + wait.as_millis() as i64)],
            )
            .await
            .map_err(db)?;
        }
    }
    // Keys quiet for a day are forgotten: a flood of names cannot fill the table.
    tx.execute("DELETE FROM sign_in_tries WHERE last < $1 AND not_before < $2", &[&(now - 86_400_000), &now])
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)
}
