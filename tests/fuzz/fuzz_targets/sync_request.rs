//! Any bytes as a `POST /v1/sync` body, decoded as the server decodes them and, when
//! they decode, pushed by a signed-in logger through the same `round` the HTTP layer
//! calls: the decoder, the door and op application must answer or refuse, never
//! panic, and never let an op of the logger's through that names another
//! organisation's record.

#![no_main]
use libfuzzer_sys::fuzz_target;
use sitroom::domain::roles::Role;
use sitroom::server::{round, Principal, ServerStore, SignIn, SqliteServer};
use sitroom::sync::wire::{self, SyncRequest};
use std::sync::OnceLock;

struct World {
    server: SqliteServer,
    logger: Principal,
    _dir: tempfile::TempDir,
}

const PASSWORD: &str = "riktig-hest-batteri";

fn sign_in(server: &SqliteServer, user: &str, origin: &str) -> Principal {
    let key = sitroom::keys::SigningKey::generate();
    let public = key.public();
    let proof = key.sign(&sitroom::keys::login_message(user, origin, &public));
    let sign_in = SignIn { user, password: PASSWORD, device: "fuzz", origin, key: &public, proof: &proof };
    server.login(&sign_in).expect("sign-in").2
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let server = SqliteServer::open(&dir.path().join("server.db")).unwrap();
        for org in ["A", "B"] {
            server.add_org(org).unwrap();
        }
        server.add_user("ola", "A", &[Role::Loggforer], false, PASSWORD).unwrap();
        server.add_user("bodil", "B", &[Role::Administrator], false, PASSWORD).unwrap();
        // Organisation B's incident, the record an attacker from A would go for.
        let bodil = sign_in(&server, "bodil", "bbbbbbbbbbbb");
        let seed = br#"{"c":0,"p":[{"h":1000000,"k":"incident","e":"01900000-0000-7000-8000-000000000001","n":"01900000-0000-7000-8000-000000000001","x":"c","f":{"title":"B","type":"flom","severity":2,"status":"open","exercise":0,"created_at":1,"created_by":"bodil"}}]}"#;
        let mut req = SyncRequest::decode(seed).unwrap();
        wire::fill_in(&mut req, &bodil.name, &bodil.device, &bodil.origin);
        round(&server, &bodil, req).unwrap();
        let logger = sign_in(&server, "ola", "aaaaaaaaaaaa");
        World { server, logger, _dir: dir }
    })
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let Ok(mut req) = SyncRequest::decode(data) else { return };
    wire::fill_in(&mut req, &w.logger.name, &w.logger.device, &w.logger.origin);
    let pushed: Vec<_> = req.push.iter().map(|o| (o.id, o.incident)).collect();
    if let Ok(done) = round(&w.server, &w.logger, req) {
        // B's incident is out of reach: whatever names it is refused.
        let b = uuid::Uuid::from_u128(0x01900000_0000_7000_8000_000000000001);
        for (id, incident) in pushed {
            if incident == b {
                assert!(
                    done.response.refused.iter().any(|(r, _)| *r == id),
                    "an op on B's incident was taken"
                );
            }
        }
    }
});
