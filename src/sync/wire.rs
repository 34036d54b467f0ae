//! The sync protocol on the wire: one POST per round carries the ops the server has not
//! acknowledged and brings back everything after the client's cursor. Bodies are JSON
//! compressed with zstd; field names are one letter, since a round may cross a link of
//! a few kbit/s. The version is in the path (`/v1/…`) and in every body.

use crate::replication::Op;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use uuid::Uuid;

/// How long a session token lives unless refreshed (the client refreshes it at half).
pub const TOKEN_LIFETIME_DAYS: i64 = 30;

pub const VERSION: u32 = 1;
pub const SYNC_PATH: &str = "/v1/sync";
pub const LOGIN_PATH: &str = "/v1/login";
pub const LOGOUT_PATH: &str = "/v1/logout";
/// Reports shared upward: POST one (JSON), GET those shared with you (`?after=SEQ`).
pub const SHARES_PATH: &str = "/v1/shares";
/// The receiver says what it has stored (POST `{"ids": […]}`).
pub const SHARES_RECEIVED_PATH: &str = "/v1/shares/received";
/// The sender fetches receipts for what it shared (`?after=SEQ`).
pub const SHARES_RECEIPTS_PATH: &str = "/v1/shares/receipts";
/// The header sitroom's client carries its session token in (`Authorization: Bearer`
/// is accepted too).
pub const TOKEN_HEADER: &str = "t";
/// Largest body the server accepts, compressed and uncompressed.
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// Ops a client pushes in one round, and the server sends back at most.
pub const BATCH: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The protocol version; left out when it is the path's (`/v1/…`).
    #[serde(rename = "v", default = "this_version", skip_serializing_if = "is_this_version")]
    pub version: u32,
    /// The server sequence number of the last op this replica pulled.
    #[serde(rename = "c")]
    pub cursor: i64,
    /// This replica's id, so the server does not send back its own ops (empty: the
    /// session's).
    #[serde(rename = "o", default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub push: Vec<Op>,
    /// With nothing to push: how long the server may hold the request until there is
    /// something to pull (a long poll), in milliseconds; 0 answers at once.
    #[serde(rename = "w", default, skip_serializing_if = "is_zero")]
    pub wait_ms: u32,
    /// This replica's signed chain heads, now and then (see `checkpoint`).
    #[serde(rename = "k", default, skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<crate::replication::checkpoint::Checkpoint>,
    /// Boards this replica has later changes of but not the board itself (it was
    /// opened to the user's roles after they pulled past its start), or notices and
    /// figures it has changes of but not the records (the server finds their board):
    /// the server sends what is on those boards from the start, with the pull, if the
    /// user may see them.
    #[serde(rename = "b", default, skip_serializing_if = "Vec::is_empty")]
    pub boards: Vec<Uuid>,
    /// Where a fetch of those boards goes on from: the server's number of the last op
    /// of them it sent (0: from the start). See `SyncResponse::board_fetch`.
    #[serde(rename = "ba", default, skip_serializing_if = "is_zero_i64")]
    pub boards_after: i64,
    /// Records of the message journal this replica has no number for yet: the server
    /// answers with the numbers it gave those it has (at most 500 a round).
    #[serde(rename = "j", default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<Uuid>,
    /// The hash of the organisation's roster this replica holds ("" for none), when
    /// it wants to know whether the server's differs: the server then sends its own.
    #[serde(rename = "ro", default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<String>,
}

/// The organisation's people and their roles, and the other organisations on the
/// server (whom messages may go to), with a hash that says whether it changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Roster {
    #[serde(rename = "h")]
    pub hash: String,
    #[serde(rename = "u", default)]
    pub people: Vec<crate::domain::message::Person>,
    #[serde(rename = "o", default)]
    pub orgs: Vec<String>,
    /// The organisation's boards the account may not see (their ids only). A replica
    /// forgets those of them it has: a board narrowed to roles the user does not hold
    /// does not stay on their screen. (Named as hidden, not as seen: a board made after
    /// the roster was read can never be taken for a closed one.)
    #[serde(rename = "bh", default, skip_serializing_if = "Vec::is_empty")]
    pub hidden_boards: Vec<Uuid>,
}

impl Roster {
    /// People in name order, organisations and boards, hashed as they are.
    pub fn new(
        mut people: Vec<(String, Vec<crate::domain::roles::Role>)>,
        mut orgs: Vec<String>,
        mut hidden_boards: Vec<Uuid>,
    ) -> Roster {
        people.sort();
        orgs.sort();
        hidden_boards.sort();
        let body =
            serde_json::to_string(&(&people, &orgs, &hidden_boards)).expect("names and roles are plain data");
        let hash = crate::text::sha256_hex(body.as_bytes())[..16].to_string();
        Roster { hash, people, orgs, hidden_boards }
    }
}

fn this_version() -> u32 {
    VERSION
}

fn is_this_version(v: &u32) -> bool {
    *v == VERSION
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}

/// The longest a server holds a long poll.
pub const MAX_WAIT_MS: u32 = 25_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// The protocol version; left out when it is the path's (`/v1/…`).
    #[serde(rename = "v", default = "this_version", skip_serializing_if = "is_this_version")]
    pub version: u32,
    #[serde(rename = "c")]
    pub cursor: i64,
    /// Pushed ops the server refused, with the reason; every other pushed op is
    /// acknowledged (stored, or already there).
    #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<(Uuid, String)>,
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub pull: Vec<Op>,
    /// More ops wait after `cursor`: ask again at once.
    #[serde(rename = "m", default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
    /// Countersigned checkpoints: the pusher's own, and those for the entries pulled.
    #[serde(rename = "k", default, skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<crate::replication::checkpoint::Checkpoint>,
    /// The journal numbers of the records the request asked about that have one.
    #[serde(rename = "j", default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<(Uuid, i64)>,
    /// The organisation's roster, when the request asked and the replica's differs.
    #[serde(rename = "ro", default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<Roster>,
    /// The boards fetched whole in this round, when the request asked for some.
    #[serde(rename = "bf", default, skip_serializing_if = "Option::is_none")]
    pub board_fetch: Option<BoardFetch>,
}

/// Boards fetched whole: which, and, when they did not all fit in the round, the number
/// of the last op sent, to ask again from (with `SyncRequest::boards_after`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BoardFetch {
    #[serde(rename = "b")]
    pub boards: Vec<Uuid>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub more_after: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub version: u32,
    pub user: String,
    pub password: String,
    /// The device (host and replica), recorded with the session.
    pub device: String,
    /// The replica's id: ops from this session may leave it out, and their author
    /// and device too. The server binds it to the replica's key.
    #[serde(default)]
    pub origin: String,
    /// The replica's public signing key (base64), and its signature over
    /// [`crate::keys::login_message`]: proof that the replica holds the key.
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub proof: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub user: String,
    pub org: String,
    pub roles: Vec<crate::domain::roles::Role>,
    pub superadmin: bool,
    /// When the token ends (ms since the epoch); refresh it before then.
    #[serde(default)]
    pub expires_at: i64,
    /// The server's public key, which countersigns checkpoints.
    #[serde(default)]
    pub server_key: String,
    /// The server's certificate that this replica's key belongs to `org`
    /// ([`crate::keys::certificate_message`]): shared reports carry it.
    #[serde(default)]
    pub certificate: String,
    /// The server store's epoch: a restore from a backup moves it on, and a replica
    /// that knew another starts over (sends everything again, asks from the start).
    #[serde(default)]
    pub epoch: i64,
}

/// The header of a 409 answer to a round from a session older than the restore of
/// the server's store: start over (everything sent again, pulled from cursor 0).
pub const RESTORED_HEADER: &str = "x-sitroom-restored";

/// Single sign-on from a terminal (`POST`): the replica asks to be signed in through
/// an identity provider and gets a short code and an address for a browser on any
/// device; then it polls until the person has signed in there.
pub const SSO_START_PATH: &str = "/v1/sso/start";
/// `POST` with the poll token: 202 while the person has not signed in yet, 200 with
/// a [`LoginResponse`] when they have, 4xx with the reason when it failed.
pub const SSO_POLL_PATH: &str = "/v1/sso/poll";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SsoStartRequest {
    pub version: u32,
    /// The provider's name, if the person chose one (empty: the browser page offers
    /// the server's providers).
    #[serde(default)]
    pub provider: String,
    pub device: String,
    pub origin: String,
    /// The replica's key and its proof over [`crate::keys::login_message`] with the
    /// user [`SSO_USER`]: who the person is, the provider says later.
    pub key: String,
    pub proof: String,
}

/// The user name a single sign-on's replica proof is made over.
pub const SSO_USER: &str = "sso";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoStartResponse {
    /// What the person types (or finds filled in) on the page.
    pub user_code: String,
    pub verification_uri: String,
    /// The page with the code filled in (for a QR code).
    pub verification_uri_complete: String,
    /// The terminal's secret for polling.
    pub poll_token: String,
    /// Seconds between polls.
    pub interval: u32,
    pub expires_in: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SsoPollRequest {
    pub poll_token: String,
}

/// A new token for a live session, without the password (`POST /v1/refresh` with the
/// old token); the old one ends.
pub const REFRESH_PATH: &str = "/v1/refresh";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshResponse {
    pub token: String,
    pub expires_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the body is not valid zstd-compressed data: {0}")]
    Compression(String),
    #[error("the body is larger than {MAX_BODY} bytes once decompressed")]
    TooLarge,
    #[error("the body is not a valid message: {0}")]
    Malformed(String),
    #[error("protocol version {0} is not supported (this program speaks version {VERSION})")]
    Version(u32),
}

/// A raw-content zstd dictionary: the shapes sync messages take (keys, kinds, typical
/// words), so that a message of one entry costs little more than its own values. Part
/// of protocol version 1: a new dictionary is a new version.
const DICTIONARY: &[u8] = include_bytes!("wire-v1.dict");

/// The dictionary prepared once, for small messages (level 19), middling ones (level
/// 12) and for reading: indexing it anew for every small message cost more than
/// compressing the message (an idle round's p50 on the server fell from 2.4 to 1.7
/// ms). Large
/// messages load it per message: prepared in advance, its parameters cost a catch-up
/// batch about 5 bytes an entry, and a large message pays for the loading itself.
static SMALL: std::sync::LazyLock<zstd::dict::EncoderDictionary<'static>> =
    std::sync::LazyLock::new(|| zstd::dict::EncoderDictionary::copy(DICTIONARY, 19));
static MIDDLE: std::sync::LazyLock<zstd::dict::EncoderDictionary<'static>> =
    std::sync::LazyLock::new(|| zstd::dict::EncoderDictionary::copy(DICTIONARY, MIDDLE_LEVEL));
const MIDDLE_LEVEL: i32 = 12;
static READING: std::sync::LazyLock<zstd::dict::DecoderDictionary<'static>> =
    std::sync::LazyLock::new(|| zstd::dict::DecoderDictionary::copy(DICTIONARY));

thread_local! {
    /// Compressors for small and middling messages, kept on each thread between
    /// messages.
    static SMALL_COMPRESSOR: Kept = const { std::cell::RefCell::new(None) };
    static MIDDLE_COMPRESSOR: Kept = const { std::cell::RefCell::new(None) };
}

/// No checksum, no dictionary id, no content size: the frame header stays small.
fn small_header(z: &mut zstd::bulk::Compressor<'_>) {
    let _ = z.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(false));
    let _ = z.set_parameter(zstd::zstd_safe::CParameter::DictIdFlag(false));
    let _ = z.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(false));
}

type Kept = std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>>;

/// Compress with this thread's compressor for a prepared dictionary (made the first
/// time).
fn compress_kept(
    cell: &'static std::thread::LocalKey<Kept>,
    dict: &'static zstd::dict::EncoderDictionary<'static>,
    json: &[u8],
) -> Vec<u8> {
    cell.with_borrow_mut(|kept| {
        let z = kept.get_or_insert_with(|| {
            let mut z = zstd::bulk::Compressor::with_prepared_dictionary(dict)
                .expect("the built-in dictionary loads");
            small_header(&mut z);
            z
        });
        z.compress(json).expect("compressing into memory")
    })
}

pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let json = serde_json::to_vec(msg).expect("messages are plain data");
    // Small messages (one entry, an idle round: the common case on a slow link) get
    // the strongest level, which costs little at that size; a round of a few entries
    // up to 16 KiB a middling one (level 19 cost the servers and their writers a
    // tenth of their time there, and saved no bytes measurably: 10 varied entries 120
    // B an entry either way); large batches a fast one.
    let packed = if json.len() < 1024 {
        compress_kept(&SMALL_COMPRESSOR, &SMALL, &json)
    } else if json.len() < 16 * 1024 {
        compress_kept(&MIDDLE_COMPRESSOR, &MIDDLE, &json)
    } else {
        let mut z =
            zstd::bulk::Compressor::with_dictionary(6, DICTIONARY).expect("the built-in dictionary loads");
        small_header(&mut z);
        z.compress(&json).expect("compressing into memory")
    };
    if json.len() <= packed.len() {
        json
    } else {
        packed
    }
}

/// What a client leaves out of the ops it pushes: author, device and replica when
/// they are its session's (the server fills them in again, [`fill_in`]).
pub fn leave_out(req: &mut SyncRequest, author: &str, device: &str) {
    for op in &mut req.push {
        if op.action == crate::replication::Action::Create && op.id == op.entity {
            op.id = Uuid::nil();
        }
        if op.author == author {
            op.author.clear();
        }
        if op.device == device {
            op.device.clear();
        }
        if op.origin == req.origin {
            op.origin.clear();
            // The session speaks for its own replica; a signature is for ops of others.
            op.sig.clear();
        }
    }
    // The server knows the replica, its key and its entries' hashes.
    for cp in &mut req.checkpoints {
        if cp.origin == req.origin {
            cp.origin.clear();
            cp.key.clear();
            cp.head.clear();
        }
    }
    req.origin.clear();
}

/// The server puts back what the client left out: the session's account, device and
/// replica. The replica is always the session's: it was bound at sign-in, whatever the
/// request says.
pub fn fill_in(req: &mut SyncRequest, author: &str, device: &str, origin: &str) {
    req.origin = origin.to_string();
    for op in &mut req.push {
        if op.id.is_nil() && op.action == crate::replication::Action::Create {
            op.id = op.entity;
        }
        if op.author.is_empty() {
            op.author = author.to_string();
        }
        if op.device.is_empty() {
            op.device = device.to_string();
        }
        if op.origin.is_empty() {
            op.origin = req.origin.clone();
        }
    }
    for cp in &mut req.checkpoints {
        if cp.origin.is_empty() {
            cp.origin = req.origin.clone();
        }
    }
}

/// Decode a body (zstd, or plain JSON for one too small to gain from compression),
/// never reading more than [`MAX_BODY`] bytes of output.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, WireError> {
    use std::io::Read;
    if body.first() == Some(&b'{') {
        return serde_json::from_slice(body).map_err(|e| WireError::Malformed(e.to_string()));
    }
    let mut out = Vec::new();
    let decoder = zstd::stream::read::Decoder::with_prepared_dictionary(body, &READING)
        .map_err(|e| WireError::Compression(e.to_string()))?;
    let n = decoder
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| WireError::Compression(e.to_string()))?;
    if n > MAX_BODY {
        return Err(WireError::TooLarge);
    }
    serde_json::from_slice(&out).map_err(|e| WireError::Malformed(e.to_string()))
}

impl SyncRequest {
    /// A round from `cursor` pushing `push` and asking nothing else (no long poll, no
    /// boards, journal numbers or roster): the base a request is built on, so a new
    /// field of the protocol is added here, not to every request.
    pub fn new(cursor: i64, push: Vec<Op>) -> SyncRequest {
        SyncRequest {
            version: VERSION,
            cursor,
            origin: String::new(),
            push,
            wait_ms: 0,
            checkpoints: vec![],
            boards: vec![],
            boards_after: 0,
            journal: vec![],
            roster: None,
        }
    }

    pub fn decode(body: &[u8]) -> Result<SyncRequest, WireError> {
        let req: SyncRequest = decode(body)?;
        if req.version != VERSION {
            return Err(WireError::Version(req.version));
        }
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_trip_keeps_everything() {
        let req = SyncRequest {
            origin: "abc".into(),
            boards: vec![Uuid::now_v7()],
            boards_after: 7,
            roster: Some(String::new()),
            ..SyncRequest::new(42, vec![])
        };
        assert_eq!(SyncRequest::decode(&encode(&req)).unwrap(), req);
    }

    #[test]
    fn junk_and_other_versions_are_refused_with_a_reason() {
        assert!(matches!(SyncRequest::decode(b"not zstd"), Err(WireError::Compression(_))));
        let json = zstd::bulk::compress(b"{\"v\":1}", 3).unwrap();
        assert!(matches!(SyncRequest::decode(&json), Err(WireError::Malformed(_))));
        let v9 = encode(&serde_json::json!({"v": 9, "c": 0, "o": "x"}));
        assert!(matches!(SyncRequest::decode(&v9), Err(WireError::Version(9))));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Whatever arrives, decoding answers with a value or an error, never a panic.
        #[test]
        fn random_bodies_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = SyncRequest::decode(&body);
            let _ = SyncRequest::decode(&zstd::bulk::compress(&body, 1).unwrap());
        }

        #[test]
        fn truncated_bodies_never_panic(cut in 0usize..2000) {
            let op = serde_json::json!({"i": uuid::Uuid::nil(), "h": 1, "o": "r", "a": "kari", "d": "pc",
                "k": "log_entry", "e": uuid::Uuid::nil(), "n": uuid::Uuid::nil(), "x": "c",
                "f": {"text": "Vannet stiger ved Øyer"}});
            let body = encode(&serde_json::json!({"v": 1, "c": 0, "o": "r", "p": [op.clone(), op]}));
            let _ = SyncRequest::decode(&body[..cut.min(body.len())]);
            let plain = serde_json::to_vec(&serde_json::json!({"v": 1, "c": 0, "o": "r"})).unwrap();
            let _ = SyncRequest::decode(&zstd::bulk::compress(&plain[..cut.min(plain.len())], 1).unwrap());
        }
    }

    #[test]
    fn a_compression_bomb_stops_at_the_limit() {
        let zeros = vec![b' '; MAX_BODY + 10];
        let bomb = zstd::bulk::compress(&zeros, 19).unwrap();
        assert!(bomb.len() < 10_000);
        assert!(matches!(SyncRequest::decode(&bomb), Err(WireError::TooLarge)));
    }
}

/// What `GET /v1/shares` answers: reports shared with the caller's organisation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SharesResponse {
    pub shares: Vec<(i64, crate::domain::share::SharedReport)>,
    pub more: bool,
}

/// `POST /v1/shares/received`: the sharings the caller's organisation has stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SharesReceived {
    pub ids: Vec<uuid::Uuid>,
}

/// What `GET /v1/shares/receipts` answers.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReceiptsResponse {
    pub receipts: Vec<crate::domain::share::ShareReceiptRecord>,
    pub more: bool,
}

/// What `POST /v1/shares` answers: whom the report went to.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ShareReceipt {
    pub to: String,
}
