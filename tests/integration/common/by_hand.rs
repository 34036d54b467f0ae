//! Sync rounds made by hand, as a crafted client would: the session a home signed in
//! with, a round with chosen ops, and everything the server sends a session. For
//! tests that check what is on the wire, not what a replica made of it.

use super::server::Server;
use super::Home;
use serde_json::Value;
use sitroom::replication::Op;
use sitroom::sync::client::Client;
use sitroom::sync::wire::{SyncRequest, SyncResponse};

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// What a CLI command printed with `--json`.
pub fn json_of(h: &Home, args: &[&str]) -> Value {
    serde_json::from_str(&h.ok(args)).unwrap()
}

/// The session a home signed in with: token, replica id and device.
pub fn session(h: &Home) -> (String, String, String) {
    let login: Value =
        serde_json::from_str(&std::fs::read_to_string(h.path().join("sitroom.db.login")).unwrap()).unwrap();
    let origin = sitroom::store::Store::open(&h.db()).unwrap().device_id().unwrap();
    (login["token"].as_str().unwrap().to_string(), origin, login["device"].as_str().unwrap().to_string())
}

pub fn round(server: &Server, token: &str, req: &SyncRequest) -> SyncResponse {
    rt().block_on(Client::new(&server.url).unwrap().round(token, req)).unwrap()
}

/// Every op the server sends this session from the start.
pub fn pull_all(server: &Server, token: &str) -> Vec<Op> {
    let (mut cursor, mut all) = (0, Vec::new());
    loop {
        let got = round(server, token, &SyncRequest::new(cursor, vec![]));
        all.extend(got.pull);
        if !got.more {
            return all;
        }
        cursor = got.cursor;
    }
}
