//! Reports shared upward, in PostgreSQL: the reporting line between organisations
//! (never in a loop), the reports in transit and the receipts for their senders.

use super::{db, Result};
use crate::domain::share::{ShareReceiptRecord, SharedReport};
use crate::server::ServerError;
use deadpool_postgres::Object;
use tokio_postgres::Client;

/// The advisory lock under which shares and receipts are numbered.
const SHARING: i64 = 7_412_002;

/// `org` reports to `parent` (None: to no one).
pub async fn set_parent(mut c: Object, org: &str, parent: Option<&str>) -> Result<()> {
    let tx = c.transaction().await.map_err(db)?;
    // One change of the reporting line at a time: two at once could close a loop
    // neither sees.
    tx.execute("LOCK TABLE orgs IN SHARE ROW EXCLUSIVE MODE", &[]).await.map_err(db)?;
    let id_of = async |name: &str| -> Result<String> {
        tx.query_opt("SELECT id FROM orgs WHERE name = $1", &[&name])
            .await
            .map_err(db)?
            .map(|r| r.get(0))
            .ok_or_else(|| ServerError::NotFound(format!("there is no organisation named '{name}'")))
    };
    let child = id_of(org).await?;
    let parent_id = match parent {
        Some(p) => Some(id_of(p).await?),
        None => None,
    };
    if parent_id.as_deref() == Some(child.as_str()) {
        return Err(ServerError::Conflict("an organisation cannot report to itself".into()));
    }
    // Up the line from the new parent: meeting the child would make a loop.
    let mut up = parent_id.clone();
    let mut steps = 0;
    while let Some(p) = up {
        if p == child {
            return Err(ServerError::Conflict(format!(
                "'{}' already reports, through others, to '{org}': that would make a loop",
                parent.unwrap_or_default()
            )));
        }
        steps += 1;
        if steps > 1000 {
            break;
        }
        up = tx.query_one("SELECT parent_id FROM orgs WHERE id = $1", &[&p]).await.map_err(db)?.get(0);
    }
    tx.execute("UPDATE orgs SET parent_id = $1 WHERE id = $2", &[&parent_id, &child]).await.map_err(db)?;
    tx.commit().await.map_err(db)
}

/// Organisations with the one each reports to.
pub async fn parents(c: &Client) -> Result<Vec<(String, Option<String>)>> {
    let rows = c
        .query(
            "SELECT o.name, p.name FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id ORDER BY o.name",
            &[],
        )
        .await
        .map_err(db)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Store a report shared upward by `from_org` (an id) for the organisation it reports
/// to, whose name is returned. The same package twice is stored once.
pub async fn store(mut c: Object, from_org: &str, by: &str, report: &SharedReport) -> Result<String> {
    let c = c.transaction().await.map_err(db)?;
    // Numbered under the lock, so a later number is never seen before an earlier one
    // (an organisation fetching after a cursor would skip it).
    c.execute("SELECT pg_advisory_xact_lock($1)", &[&SHARING]).await.map_err(db)?;
    let parent = c
        .query_opt(
            "SELECT p.id, p.name FROM orgs o JOIN orgs p ON p.id = o.parent_id WHERE o.id = $1",
            &[&from_org],
        )
        .await
        .map_err(db)?;
    let Some(parent) = parent else {
        return Err(ServerError::Conflict(
            "your organisation reports to no one on this server; the server's administrator sets it with `sitroom admin org parent`".into(),
        ));
    };
    let (to, to_name): (String, String) = (parent.get(0), parent.get(1));
    let body = serde_json::to_string(report).expect("plain data");
    c.execute(
        "INSERT INTO server_shares (id, from_org, to_org, shared_by, shared_at, body) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO NOTHING",
        &[&report.id.to_string(), &from_org, &to, &by, &chrono::Utc::now().timestamp_millis(), &body],
    )
    .await
    .map_err(db)?;
    c.commit().await.map_err(db)?;
    Ok(to_name)
}

/// Reports shared with `org` (an id) after `after`, oldest first: (seq, report).
pub async fn shares_for(c: &Client, org: &str, after: i64, limit: usize) -> Result<Vec<(i64, SharedReport)>> {
    let rows = c
        .query(
            "SELECT seq, body FROM server_shares WHERE to_org = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&org, &after, &(limit as i64)],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str(r.get::<_, &str>(1)).ok().map(|report| (r.get(0), report)))
        .collect())
}

/// The receiving organisation `org` (an id) has stored these shared reports: receipts
/// for their senders, numbered in order. How many were new.
pub async fn acknowledge(mut c: Object, org: &str, by: &str, ids: &[uuid::Uuid]) -> Result<usize> {
    let tx = c.transaction().await.map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SHARING]).await.map_err(db)?;
    let now = chrono::Utc::now().timestamp_millis();
    let mut n = 0;
    for id in ids {
        n += tx
            .execute(
                "UPDATE server_shares SET received_at = $1, received_by = $2, receipt_seq = nextval('receipt_seq')
                 WHERE id = $3 AND to_org = $4 AND received_at IS NULL",
                &[&now, &by, &id.to_string(), &org],
            )
            .await
            .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(n as usize)
}

/// Receipts for what `org` (an id) shared, after `after`, oldest first.
pub async fn receipts_for(
    c: &Client,
    org: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<ShareReceiptRecord>> {
    let rows = c
        .query(
            "SELECT receipt_seq, id, received_by, received_at FROM server_shares
             WHERE from_org = $1 AND receipt_seq > $2 ORDER BY receipt_seq LIMIT $3",
            &[&org, &after, &(limit as i64)],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let id = uuid::Uuid::parse_str(r.get::<_, &str>(1)).ok()?;
            Some(ShareReceiptRecord {
                seq: r.get(0),
                id,
                by: r.get(2),
                at: crate::domain::time::from_millis(r.get(3)),
            })
        })
        .collect())
}
