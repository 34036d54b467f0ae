//! Information boards through a real `sitroom serve`: a board only some roles see never
//! reaches the others (checked on the wire, with a pull made by hand), crafted notices
//! on a board one may not see or write on are refused, and a notice shows what became
//! of the log entry it was put up from.

use crate::common::by_hand::{json_of, pull_all, round, rt, session};
use crate::common::server::Server;
use crate::common::Home;
use serde_json::{json, Value};
use sitroom::replication::{Action, Hlc, Kind, Op};
use sitroom::sync::client::Client;
use sitroom::sync::wire::SyncRequest;
use uuid::Uuid;

const ORG: &str = "Gjerdrum kommune";

/// A server with Gjerdrum's crisis leader, logger and information officer, each
/// signed in on a replica of their own, and an incident everyone has.
struct Staff {
    server: Server,
    kari: Home,
    ola: Home,
    per: Home,
}

fn staff() -> Staff {
    let server = Server::start();
    server.add_org(ORG);
    server.add_user("kari", ORG, &["kriseledelse"]);
    server.add_user("ola", ORG, &["loggfører"]);
    server.add_user("per", ORG, &["informasjonsmedarbeider"]);
    let (kari, ola, per) = (Home::new(), Home::new(), Home::new());
    for (h, name) in [(&kari, "kari"), (&ola, "ola"), (&per, "per")] {
        h.login(&server.url, name);
    }
    kari.ok(&["incident", "new", "--title", "Kvikkleireskred i Ask", "--type", "annet"]);
    kari.ok(&["sync"]);
    for h in [&ola, &per] {
        h.ok(&["sync"]);
        h.ok(&["incident", "use", "1"]);
    }
    Staff { server, kari, ola, per }
}

fn count(h: &Home, sql: &str) -> i64 {
    rusqlite::Connection::open(h.db()).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_board_only_some_roles_see_never_reaches_the_others() {
    let s = staff();
    let kari = &s.kari;
    kari.ok(&["board", "new", "Kriseledelsen", "--readers", "kriseledelse"]);
    kari.ok(&["board", "new", "Til alle"]);
    kari.ok(&["board", "post", "Kriseledelsen", "Vurderer evakuering av hele Ask", "Ikke kjent utad ennå"]);
    kari.ok(&["board", "figure", "Kriseledelsen", "savnede", "10"]);
    kari.ok(&["board", "post", "Til alle", "Møt i stabsrommet kl. 14"]);
    kari.ok(&["board", "figure", "Til alle", "evakuerte", "36", "--unit", "personer"]);
    kari.ok(&["sync"]);
    s.ola.ok(&["sync"]);

    // Kari's and the logger's boards, as each replica has them.
    let at_kari = json_of(kari, &["board", "list", "--json"]);
    assert_eq!(at_kari.as_array().unwrap().len(), 2);
    let secret = at_kari.as_array().unwrap().iter().find(|b| b["title"] == "Kriseledelsen").unwrap().clone();
    let secret_id = secret["id"].as_str().unwrap().to_string();
    let at_ola = json_of(&s.ola, &["board", "list", "--json"]);
    let titles: Vec<&str> = at_ola.as_array().unwrap().iter().map(|b| b["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Til alle"], "the logger's replica has only the board for everyone");
    assert_eq!(count(&s.ola, "SELECT count(*) FROM notices"), 1);
    assert_eq!(count(&s.ola, "SELECT count(*) FROM key_figures"), 1);
    let shown = s.ola.ok(&["board", "show", "Til alle"]);
    assert!(shown.contains("Møt i stabsrommet kl. 14") && shown.contains("36 personer"), "{shown}");

    // On the wire: nothing of the closed board, its notice or figure in a pull made by
    // hand as the logger; everything as the crisis leader.
    let (ola_token, _, _) = session(&s.ola);
    let ops = pull_all(&s.server, &ola_token);
    let on_boards: Vec<&Op> =
        ops.iter().filter(|o| matches!(o.kind, Kind::Board | Kind::Notice | Kind::Figure)).collect();
    assert!(!on_boards.is_empty(), "the open board's ops do come");
    let text = serde_json::to_string(&ops).unwrap();
    assert!(
        !text.contains("Vurderer evakuering") && !text.contains("savnede"),
        "a secret on the wire: {text}"
    );
    assert!(
        on_boards.iter().all(|o| o.entity.to_string() != secret_id
            && o.field_str("board_id") != Some(secret_id.as_str())),
        "an op of the closed board reached the logger"
    );
    // The log says a notice went up there, not what it says.
    let log = s.ola.ok(&["log", "list"]);
    assert!(
        log.contains("Satt opp oppslag 1 på tavla «Kriseledelsen»") && !log.contains("Vurderer"),
        "{log}"
    );
    // A second machine of the crisis leader's gets it all.
    let laptop = Home::new();
    laptop.login(&s.server.url, "kari");
    let (kari_token, _, _) = session(&laptop);
    let all = serde_json::to_string(&pull_all(&s.server, &kari_token)).unwrap();
    assert!(all.contains("Vurderer evakuering av hele Ask") && all.contains("savnede"), "{all}");

    // Opened to the logger later: the logger's replica, long past the board's start,
    // gets the whole board (its notice and figure from before) with the next sync.
    let open_to_logger = || {
        kari.ok(&["board", "access", "Kriseledelsen", "--readers", "kriseledelse,loggfører"]);
        kari.ok(&["sync"]);
        s.ola.ok(&["sync"]);
        let shown = s.ola.ok(&["board", "show", "Kriseledelsen"]);
        assert!(shown.contains("Vurderer evakuering av hele Ask") && shown.contains("savnede"), "{shown}");
        assert_eq!(count(&s.ola, "SELECT count(*) FROM oplog WHERE state = 4"), 0, "nothing left waiting");
    };
    open_to_logger();

    // Closed to the logger again: the board, its notice and figure leave the logger's
    // replica at the next sync (the board for everyone stays), and come back whole when
    // it is opened again. A notice the logger put up there offline meanwhile is
    // refused by the server once the board is closed to him, and kept here with why.
    s.ola.ok(&["board", "post", "Kriseledelsen", "Notat fra loggen: brua ved Ask er stengt"]);
    kari.ok(&["board", "access", "Kriseledelsen", "--readers", "kriseledelse"]);
    kari.ok(&["sync"]);
    let synced = s.ola.run(&["sync"]);
    let said = String::from_utf8_lossy(&synced.stdout);
    assert!(!synced.status.success() && said.contains("ola may not see board"), "said, with why: {said}");
    assert_eq!(
        count(&s.ola, "SELECT count(*) FROM oplog WHERE state = 2 AND payload LIKE '%brua ved Ask%'"),
        1,
        "the refused notice is kept"
    );
    let titles = json_of(&s.ola, &["board", "list", "--json"]);
    let titles: Vec<&str> = titles.as_array().unwrap().iter().map(|b| b["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Til alle"], "the closed board is gone from the logger's replica");
    let log = kari.ok(&["log", "list"]);
    assert!(log.contains("Tavla «Kriseledelsen» er nå for kriseledelse"), "who may see it is logged: {log}");
    // The log said the logger's notice went up: a correction says it did not, and
    // reaches everyone with the next sync.
    s.ola.ok(&["sync"]);
    kari.ok(&["sync"]);
    let log = kari.ok(&["log", "list"]);
    assert!(
        log.contains("Gjelder ikke, tjeneren avviste det: Satt opp oppslag 2 på tavla «Kriseledelsen»"),
        "{log}"
    );
    assert_eq!(count(&s.ola, "SELECT count(*) FROM notices"), 1);
    assert_eq!(count(&s.ola, "SELECT count(*) FROM key_figures"), 1);
    let (_, err) = s.ola.fails(&["board", "show", "Kriseledelsen"]);
    assert!(!err.contains("Vurderer"), "{err}");
    open_to_logger();

    // And the information officer, still not a reader, still gets none of it.
    s.per.ok(&["sync"]);
    assert_eq!(count(&s.per, "SELECT count(*) FROM boards"), 1);
    let (per_token, _, _) = session(&s.per);
    let asked =
        SyncRequest { boards: vec![Uuid::parse_str(&secret_id).unwrap()], ..SyncRequest::new(0, vec![]) };
    let got = round(&s.server, &per_token, &asked);
    let text = serde_json::to_string(&got.pull).unwrap();
    assert!(!text.contains("Vurderer"), "asking for a board by its id does not open it: {text}");

    // Given the role later, with no change of the board itself: a change of a figure
    // on it is enough for the information officer's replica to fetch it whole.
    let out = s.server.admin(&["user", "roles", "per", "informasjonsmedarbeider,kriseledelse"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    kari.ok(&["board", "figure", "Kriseledelsen", "savnede", "12"]);
    kari.ok(&["sync"]);
    // (The replica takes the new roles from the roster the sync brings, without a
    // new sign-in.)
    s.per.ok(&["sync"]);
    assert_eq!(
        count(&s.per, "SELECT count(*) FROM users WHERE name = 'per' AND roles LIKE '%kriseledelse%'"),
        1
    );
    let shown = s.per.ok(&["board", "show", "Kriseledelsen"]);
    assert!(shown.contains("Vurderer evakuering av hele Ask") && shown.contains("12"), "{shown}");
    assert_eq!(count(&s.per, "SELECT count(*) FROM oplog WHERE state = 4"), 0, "nothing left waiting");
}

#[test]
fn notices_on_a_board_one_may_not_see_or_write_on_are_refused_at_the_server() {
    let s = staff();
    s.kari.ok(&["board", "new", "Kriseledelsen", "--readers", "kriseledelse"]);
    s.kari.ok(&["board", "new", "Pressemeldinger", "--writers", "kriseledelse"]);
    s.kari.ok(&["sync"]);
    s.per.ok(&["sync"]);
    let boards = json_of(&s.kari, &["board", "list", "--json"]);
    let id_of = |title: &str| {
        boards.as_array().unwrap().iter().find(|b| b["title"] == title).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (closed, press) = (id_of("Kriseledelsen"), id_of("Pressemeldinger"));

    // The information officer may post notices, but not on these two: the first is
    // not his to see, the second not his to write on. Crafted by hand, with the ids.
    let (token, origin, device) = session(&s.per);
    let notice = |board: &str, title: &str| {
        let id = Uuid::now_v7();
        Op {
            id,
            hlc: Hlc::tick(Hlc(0), chrono::Utc::now().timestamp_millis()),
            origin: origin.clone(),
            author: "per".into(),
            device: device.clone(),
            kind: Kind::Notice,
            entity: id,
            incident: Uuid::nil(),
            action: Action::Create,
            fields: json!({
                "board_id": board, "title": title, "text": "", "priority": "kritisk", "valid_until": null,
                "entry_id": null, "status": "oppe", "created_at": chrono::Utc::now().timestamp_millis(),
                "created_by": "per",
            })
            .as_object()
            .cloned()
            .unwrap(),
            base: Default::default(),
            sig: String::new(),
        }
    };
    let (a, b) = (notice(&closed, "Alle må evakuere nå"), notice(&press, "Pressekonferanse avlyst"));
    let client = Client::new(&s.server.url).unwrap();
    let req = SyncRequest::new(0, vec![a.clone(), b.clone()]);
    let got = rt().block_on(client.round(&token, &req)).unwrap();
    let why =
        |id: Uuid| got.refused.iter().find(|(i, _)| *i == id).map(|(_, w)| w.clone()).unwrap_or_default();
    assert!(why(a.id).contains("may not see board"), "{:?}", got.refused);
    assert!(why(b.id).contains("may not write on board"), "{:?}", got.refused);
    // And through the CLI, said plainly.
    let (_, err) = s.per.fails(&["board", "post", "Pressemeldinger", "Pressekonferanse avlyst"]);
    assert!(err.contains("may not write on the board 'Pressemeldinger'"), "{err}");

    // Readers the stores would read differently (an unknown role, a list that is not
    // text) are refused, even from one who may manage boards.
    let (kari_token, kari_origin, kari_device) = session(&s.kari);
    let readers = |value: Value| Op {
        id: Uuid::now_v7(),
        hlc: Hlc::tick(Hlc(0), chrono::Utc::now().timestamp_millis()),
        origin: kari_origin.clone(),
        author: "kari".into(),
        device: kari_device.clone(),
        kind: Kind::Board,
        entity: Uuid::parse_str(&closed).unwrap(),
        incident: Uuid::nil(),
        action: Action::Set,
        fields: json!({ "readers": value }).as_object().cloned().unwrap(),
        base: Default::default(),
        sig: String::new(),
    };
    let (x, list) = (readers(json!("x")), readers(json!(["kriseledelse", "gjest"])));
    let req = SyncRequest::new(0, vec![x.clone(), list.clone()]);
    let got = rt().block_on(client.round(&kari_token, &req)).unwrap();
    assert_eq!(got.refused.len(), 2, "{:?}", got.refused);
    assert!(got.refused.iter().all(|(_, why)| why.contains("board's readers")), "{:?}", got.refused);

    s.kari.ok(&["sync"]);
    let shown = s.kari.ok(&["board", "show", "Kriseledelsen"]);
    assert!(!shown.contains("Alle må evakuere"), "{shown}");
    assert!(!s.kari.ok(&["board", "show", "Pressemeldinger"]).contains("avlyst"));
}

#[test]
fn a_notice_shows_its_entry_corrected_or_retracted_and_a_figure_keeps_every_value() {
    let s = staff();
    s.kari.ok(&["board", "new", "Stab"]);
    s.kari.ok(&["sync"]);
    s.ola.ok(&["sync"]);
    // The logger puts an entry up, then the entry turns out wrong and is corrected.
    s.ola.ok(&["log", "add", "Fv. 120 er stengt ved Ask"]);
    let seq = s.ola.entries().last().unwrap()["seq"].as_i64().unwrap().to_string();
    s.ola.ok(&["board", "post", "Stab", "--entry", &seq, "--priority", "høy"]);
    s.ola.ok(&["log", "correct", &seq, "Fv. 120 er stengt ved Gjerdrum kirke, ikke ved Ask"]);
    s.ola.ok(&["board", "figure", "Stab", "evakuerte", "36"]);
    s.ola.ok(&["sync"]);
    s.kari.ok(&["sync"]);
    s.kari.ok(&["board", "figure", "Stab", "Evakuerte", "41"]);
    s.kari.ok(&["sync"]);
    s.ola.ok(&["sync"]);

    for h in [&s.kari, &s.ola] {
        let shown = h.ok(&["board", "show", "Stab", "--lang", "nb"]);
        assert!(shown.contains("Fv. 120 er stengt ved Ask"), "{shown}");
        assert!(shown.contains("rettet i loggen: Fv. 120 er stengt ved Gjerdrum kirke"), "{shown}");
        assert!(shown.contains("evakuerte") && shown.contains("41"), "{shown}");
        let history = json_of(h, &["board", "history", "Stab", "evakuerte", "--json"]);
        let values: Vec<(i64, &str)> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["value"].as_i64().unwrap(), c["by"].as_str().unwrap()))
            .collect();
        assert_eq!(values, [(36, "ola"), (41, "kari")], "every value, with who set it");
    }
    // Taken back altogether: the notice says so.
    s.ola.ok(&["log", "retract", &seq]);
    let shown = s.ola.ok(&["board", "show", "Stab"]);
    assert!(shown.contains("the log entry was retracted"), "{shown}");
    // Taking the notice down is logged, and it leaves the board (not the record).
    s.ola.ok(&["board", "take-down", "Stab", "1"]);
    assert!(!s.ola.ok(&["board", "show", "Stab"]).contains("Fv. 120"));
    assert!(s.ola.ok(&["board", "show", "Stab", "--all"]).contains("taken down"));
    assert!(s.ola.ok(&["log", "list"]).contains("Tatt ned oppslag 1 på tavla «Stab»"));
}

/// A board opened to a role late, with more on it than one round carries, arrives
/// whole over several rounds, and a fetch cut short by the link going on where it
/// stopped. In-process, through the same `round` and client code the HTTP layer and
/// `sitroom sync` use, on the store `SITROOM_TEST_STORE` names.
#[test]
fn a_board_opened_late_with_more_than_a_round_holds_arrives_whole() {
    use crate::common::inproc::{scratch, sign_in, Replica, PASSWORD};
    use sitroom::app::Session;
    use sitroom::domain::board::{Audience, NewBoard};
    use sitroom::domain::roles::Role;
    use sitroom::server::{round, PgServer, ServerStore, SqliteServer, BOARD_PAGE};
    use sitroom::sync::client;

    let dir = scratch();
    let cluster = matches!(std::env::var("SITROOM_TEST_STORE").as_deref(), Ok("postgres"))
        .then(crate::common::postgres::Cluster::start);
    let server: Box<dyn ServerStore> = match &cluster {
        Some(c) => Box::new(PgServer::open(&c.database(), dir.path()).unwrap()),
        None => Box::new(SqliteServer::open(&dir.path().join("server.db")).unwrap()),
    };
    let server = server.as_ref();
    server.add_org(ORG).unwrap();
    server.add_user("kari", ORG, &[Role::Kriseledelse], false, PASSWORD).unwrap();
    server.add_user("ola", ORG, &[Role::Loggforer], false, PASSWORD).unwrap();
    let replica = |name: &str| {
        let mut session = Session::open(&dir.path().join(format!("{name}.db")), name, vec![]).unwrap();
        let who = sign_in(server, &session, name);
        session.signed_in("http://test", name, &who.roles.clone()).unwrap();
        Replica { session, who, org: ORG }
    };
    // One round as `sitroom sync` makes it; whether there is more to do.
    let one_round = |r: &mut Replica| {
        let store = &mut r.session.store;
        let push = store.ops_to_push(sitroom::sync::wire::BATCH).unwrap();
        let pushed: Vec<Uuid> = push.iter().map(|o| o.id).collect();
        let mut req = client::request(store, push, &[], &Default::default()).unwrap();
        sitroom::sync::wire::fill_in(&mut req, &r.who.name, &r.who.device, &r.who.origin);
        let answer = round(server, &r.who, req).unwrap().0.response;
        assert!(answer.refused.is_empty(), "{:?}", answer.refused);
        store.mark_pushed(&pushed, &[]).unwrap();
        client::take(store, &answer).unwrap();
        answer.more
            || store.ops_waiting_to_push().unwrap() > 0
            || !store.boards_missing(16).unwrap().is_empty()
            || store.meta("board_fetch").unwrap().is_some_and(|f| !f.is_empty())
    };
    let sync_all = |r: &mut Replica| {
        for _ in 0..50 {
            if !one_round(r) {
                return;
            }
        }
        panic!("still more to do after 50 rounds");
    };
    let (mut kari, mut ola) = (replica("kari"), replica("ola"));

    // A standing board for the crisis leaders whose figure changed more times than a
    // round carries (every change is kept: it is the figure's history).
    let board = kari
        .session
        .create_board(NewBoard {
            title: "Kriseledelsen".into(),
            incident: None,
            audience: Audience { readers: vec![Role::Kriseledelse], writers: vec![] },
        })
        .unwrap();
    let changes = BOARD_PAGE + 150;
    for value in 1..=changes {
        kari.session.set_figure(&board, "savnede", value as i64, None).unwrap();
    }
    sync_all(&mut kari);
    sync_all(&mut ola);
    assert!(ola.session.boards(true).unwrap().is_empty());

    // Opened to the logger: the change comes, the board is asked for, its first page
    // arrives; then the link goes.
    let readers = vec![Role::Kriseledelse, Role::Loggforer];
    kari.session.set_board_audience(&board, Audience { readers, writers: vec![] }).unwrap();
    sync_all(&mut kari);
    assert!(one_round(&mut ola), "the change of a board it lacks: the board is asked for next");
    assert!(one_round(&mut ola), "the first page: more to come");
    let kept = ola.session.store.meta("board_fetch").unwrap().unwrap_or_default();
    assert!(kept.contains(&board.id.to_string()), "where the fetch got to is kept: {kept}");
    let at_ola = ola.session.board(board.id).unwrap();
    let figure = ola.session.figures(&at_ola).unwrap().pop().unwrap();
    assert!(ola.session.figure_history(&figure).unwrap().len() < changes, "only part of it so far");

    // The link back (a new sync, as after a restart): the fetch goes on where it stopped.
    sync_all(&mut ola);
    let figure = ola.session.figures(&at_ola).unwrap().pop().unwrap();
    assert_eq!(figure.value, changes as i64);
    assert_eq!(ola.session.figure_history(&figure).unwrap().len(), changes, "every value, once");
    assert_eq!(ola.session.store.meta("board_fetch").unwrap().unwrap_or_default(), "");
    if let Some(c) = cluster {
        c.stop();
    }
}

/// Forgetting a board closed to the user never loses what was typed: a board with a
/// change the server has not answered yet is kept until it has (refused: the change is
/// kept with why, and the board goes), and a board that never reached the server stays.
#[test]
fn a_board_is_forgotten_only_once_nothing_typed_on_it_waits() {
    use sitroom::app::Session;
    use sitroom::domain::board::{Audience, NewBoard, NewNotice};
    use sitroom::domain::task::Priority;
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::open(&dir.path().join("ola.db"), "ola", vec![]).unwrap();
    let board = |s: &mut Session, title: &str| {
        let audience = Audience { readers: vec![], writers: vec![] };
        s.create_board(NewBoard { title: title.into(), incident: None, audience }).unwrap()
    };
    let (closed, local) = (board(&mut s, "Kriseledelsen"), board(&mut s, "Bare her"));
    // The server has the first board (its create op answered), not the notice put up
    // on it offline, nor the second board.
    s.store.mark_pushed(&[closed.id], &[]).unwrap();
    let notice = NewNotice {
        title: "Brua ved Ask er stengt".into(),
        text: String::new(),
        priority: Priority::Normal,
        valid_until: None,
        entry: None,
    };
    let (posted, _) = s.post_notice(&closed, notice).unwrap();
    let kept = s.store.forget_boards(&[closed.id, local.id]).unwrap();
    assert_eq!(kept.len(), 2, "a change waits on one, the other never went: both stay");
    assert_eq!(s.notices(&closed).unwrap().len(), 1);

    // The server refuses the notice: the board goes, the refused change stays.
    s.store.mark_pushed(&[], &[(posted.id, "ola may not see board".into())]).unwrap();
    let kept = s.store.forget_boards(&[closed.id, local.id]).unwrap();
    assert_eq!(kept, [local.id]);
    assert!(s.board(closed.id).is_err(), "the closed board is gone");
    let refused = s.store.conflicts(None).unwrap().len() + s.store.refused_count().unwrap() as usize;
    assert!(refused >= 1, "the refused notice is kept, with why");
}
