//! A server store in-process, for tests that drive it directly (fast, and able to
//! run two servers on one database side by side): replicas that sign in and sync
//! through the same `round` the HTTP layer calls.

use sitroom::app::Session;
use sitroom::server::{round, Principal, ServerStore, SignIn};
use sitroom::sync::wire::{self, SyncRequest};
use uuid::Uuid;

pub const PASSWORD: &str = "riktig-hest-batteri";

pub struct Replica {
    pub session: Session,
    pub who: Principal,
    pub org: &'static str,
}

pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap()
}

pub fn sign_in(server: &dyn ServerStore, session: &Session, user: &str) -> Principal {
    let key = session.store.signing_key().unwrap();
    let origin = session.store.device_id().unwrap();
    let public = key.public();
    let proof = key.sign(&sitroom::keys::login_message(user, &origin, &public));
    let (_, _, who) = server
        .login(&SignIn {
            user,
            password: PASSWORD,
            device: &session.device,
            origin: &origin,
            key: &public,
            proof: &proof,
        })
        .unwrap();
    who
}

/// One full exchange with the server: push everything, pull everything.
pub fn sync(server: &dyn ServerStore, r: &mut Replica) -> Vec<(Uuid, String)> {
    let mut refused = Vec::new();
    for _ in 0..100 {
        let push = r.session.store.ops_to_push(wire::BATCH).unwrap();
        let pushed: Vec<Uuid> = push.iter().map(|o| o.id).collect();
        let mut req = SyncRequest::new(r.session.store.sync_cursor().unwrap(), push);
        wire::fill_in(&mut req, &r.who.name, &r.who.device, &r.who.origin);
        let answer = round(server, &r.who, req).unwrap().0.response;
        let acked: Vec<Uuid> =
            pushed.into_iter().filter(|id| !answer.refused.iter().any(|(x, _)| x == id)).collect();
        r.session.store.mark_pushed(&acked, &answer.refused).unwrap();
        refused.extend(answer.refused.clone());
        sitroom::sync::client::take(&mut r.session.store, &answer).unwrap();
        if !answer.more && r.session.store.ops_waiting_to_push().unwrap() == 0 {
            break;
        }
    }
    refused
}

/// A round that pushes what `r` has to push (from cursor 0, pulling nothing it waits
/// for), and who sends it.
pub fn push_request(r: &Replica) -> (Principal, SyncRequest) {
    let mut req = SyncRequest::new(0, r.session.store.ops_to_push(wire::BATCH).unwrap());
    wire::fill_in(&mut req, &r.who.name, &r.who.device, &r.who.origin);
    (r.who.clone(), req)
}
