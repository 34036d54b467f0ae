//! The TUI syncing in the background, in a real terminal, against a real server: what
//! the logger types reaches the others, what they write appears on screen, and the
//! title bar says when the link is gone and how much waits.

use crate::common::server::Server;
use crate::common::tmux::{Tmux, WAIT};
use crate::common::Home;
use std::time::{Duration, Instant};

/// Sync `h` until its log has an entry with `text`.
fn until_synced(h: &Home, text: &str) {
    let start = Instant::now();
    loop {
        h.ok(&["sync"]);
        if h.entries().iter().any(|e| e["text"] == text) {
            return;
        }
        assert!(start.elapsed() < WAIT, "{text:?} never reached the other replica");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_tui_syncs_in_the_background_and_shows_the_link() {
    let mut server = Server::start();
    server.add_org("Lillehammer kommune");
    server.add_user("kari", "Lillehammer kommune", &["kriseledelse"]);
    server.add_user("ola", "Lillehammer kommune", &["loggfører"]);
    let logger = Home::new();
    logger.login(&server.url, "kari");
    logger.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    logger.ok(&["sync"]);
    let other = Home::new();
    other.login(&server.url, "ola");
    other.ok(&["sync"]);

    let t = Tmux::new();
    t.start(&logger, "--lang nb");
    t.wait_for("● tilkoblet");
    t.text("Vannet står i kjellerne på Øyer");
    t.keys(&["Enter"]);
    until_synced(&other, "Vannet står i kjellerne på Øyer");

    other.ok(&["log", "add", "Fra bilen: Gudbrandsdalsvegen er stengt ved Tretten"]);
    other.ok(&["sync"]);
    t.wait_for("Gudbrandsdalsvegen er");

    // The server goes down: the logger keeps typing, the title bar says so.
    let addr = server.addr.clone();
    server.kill();
    t.wait_for("○ frakoblet siden");
    t.text("Skrevet uten forbindelse");
    t.keys(&["Enter"]);
    t.wait_for("1 venter");
    let _back = server.another_at(&addr);
    t.wait_for("● tilkoblet");
    let screen = t.wait_for("Skrevet uten forbindelse");
    let start = Instant::now();
    while t.screen().contains("venter") {
        assert!(start.elapsed() < WAIT, "the waiting change was never sent:\n{screen}");
        std::thread::sleep(Duration::from_millis(100));
    }
    until_synced(&other, "Skrevet uten forbindelse");
    t.keys(&["C-q"]);
    t.wait_exit();
}

#[test]
fn a_damaged_sign_in_file_does_not_keep_the_logger_out() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    std::fs::write(h.path().join("sitroom.db.login"), "{ ikke json").unwrap();
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    let screen = t.wait_for("logget ut");
    assert!(screen.contains("damaged"), "the status line says why:\n{screen}");
    t.text("Skrevet likevel");
    t.keys(&["Enter"]);
    t.wait_for("Skrevet likevel");
    t.keys(&["C-q"]);
    t.wait_exit();
    assert_eq!(h.entries().len(), 1);
}

/// A new replica signed in to the organisation has no incident yet: it says it waits
/// for them and opens the one that arrives, instead of a new-incident form that would
/// make a second incident of the same event. Esc leaves the form all the same.
#[test]
fn a_new_replica_waits_for_the_organisations_incident_and_opens_it() {
    let server = Server::start();
    server.add_org("Lillehammer kommune");
    server.add_user("kari", "Lillehammer kommune", &["kriseledelse"]);
    server.add_user("åse", "Lillehammer kommune", &["kriseledelse"]);
    let leader = Home::new();
    leader.login(&server.url, "kari");
    let newcomer = Home::new();
    newcomer.login(&server.url, "åse");

    let t = Tmux::new();
    t.start(&newcomer, "--lang nb");
    let s = t.wait_for("Venter på organisasjonens hendelser");
    assert!(s.contains("Du er «åse»"), "who the user is:\n{s}");
    assert!(!s.contains("Alvorlighetsgrad"), "no new-incident form:\n{s}");
    assert!(
        s.contains("om det virkelig er en ny hendelse"),
        "a crisis leader may make one all the same:\n{s}"
    );
    // The form, if asked for, leaves with Esc.
    t.keys(&["C-n"]);
    t.wait_for("Alvorlighetsgrad");
    t.keys(&["Escape"]);
    t.wait_for("Venter på organisasjonens hendelser");

    // The crisis leader makes the incident elsewhere; it arrives and opens.
    leader.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    leader.ok(&["sync"]);
    let s = t.wait_for("#1 Flom i Lågen");
    assert!(s.contains("Ny loggføring"), "the log is open:\n{s}");
    t.text("Første melding fra ny maskin");
    t.keys(&["Enter"]);
    t.wait_for("Lagret");
    t.keys(&["C-q"]);
    t.wait_exit();
    let incidents = newcomer.ok(&["incident", "list"]);
    assert_eq!(incidents.lines().filter(|l| l.contains("Flom i Lågen")).count(), 1, "{incidents}");
}

/// A server without single sign-on: the TUI's sign-in box (Ctrl-T) takes an account
/// and its password (shown as dots), says a wrong password in the user's language and
/// goes back to the form, and once signed in syncs and opens the organisation's
/// incident; the title bar no longer says "signed out".
#[test]
fn the_tui_signs_in_with_a_password_where_the_server_has_no_single_sign_on() {
    let server = Server::start();
    server.add_org("Lillehammer kommune");
    server.add_user("kari", "Lillehammer kommune", &["kriseledelse"]);
    server.add_user("åse", "Lillehammer kommune", &["loggfører"]);
    let leader = Home::new();
    leader.login(&server.url, "kari");
    leader.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    leader.ok(&["sync"]);

    let newcomer = Home::new();
    let t = Tmux::new();
    t.start(&newcomer, "--lang nb");
    t.wait_for("Ctrl-T: logg inn");
    t.keys(&["C-t"]);
    t.wait_for("Tjener:");
    t.keys(&["C-u"]);
    t.text(&server.url);
    // No account named: single sign-on, which this server does not have.
    t.keys(&["Enter"]);
    t.wait_for("no single");
    t.keys(&["Enter"]);
    t.wait_for("Tjener:");
    t.keys(&["Tab"]);
    t.text("åse");
    t.keys(&["Tab"]);
    t.text("feil-passord");
    let screen = t.wait_for("••••••••••••");
    assert!(!screen.contains("feil-passord"), "the password is never shown:\n{screen}");
    t.keys(&["Enter"]);
    t.wait_for("Feil brukernavn eller passord");
    t.keys(&["Enter"]);
    t.wait_for("Passord:");
    t.text(crate::common::server::PASSWORD);
    t.keys(&["Enter"]);
    let screen = t.wait_for("Flom i Lågen");
    assert!(screen.contains("Logget inn som åse"), "{screen}");
    t.wait_for("● tilkoblet");
    t.text("Skrevet etter innlogging i sitroom");
    t.keys(&["Enter"]);
    until_synced(&leader, "Skrevet etter innlogging i sitroom");
    t.keys(&["C-q"]);
    t.wait_exit();
}

/// The wall display in a real terminal: it shows the board and the picture's age,
/// takes no typing, says how old its picture is when the server goes away, and
/// catches up when it comes back.
#[test]
fn the_wall_display_says_how_old_its_picture_is_and_catches_up() {
    let mut server = Server::start();
    server.add_org("Lillehammer kommune");
    server.add_user("kari", "Lillehammer kommune", &["kriseledelse"]);
    server.add_user("tv", "Lillehammer kommune", &["gjest"]);
    let kari = Home::new();
    kari.login(&server.url, "kari");
    kari.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    kari.ok(&["board", "new", "Stab"]);
    kari.ok(&["board", "figure", "Stab", "evakuerte", "36", "--unit", "personer"]);
    kari.ok(&["board", "post", "Stab", "Fv. 120 stengt ved Tretten", "--priority", "høy"]);
    kari.ok(&["sync"]);
    let tv = Home::new();
    tv.login(&server.url, "tv");
    tv.ok(&["sync"]);
    tv.ok(&["incident", "use", "1"]);

    let t = Tmux::new();
    t.start(&tv, "--lang nb board --wall");
    let screen = t.wait_for("● oppdatert");
    assert!(
        screen.contains("Fv. 120 stengt ved Tretten") && screen.contains("evakuerte 36 personer"),
        "{screen}"
    );
    assert!(!screen.contains("Hendelseslogg"), "the wall alone, no panes around it:\n{screen}");
    // Nobody types at a wall: keys that write elsewhere do nothing here.
    t.text("n");
    t.keys(&["Enter", "Tab", "t", "C-s"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(t.screen().contains("Fv. 120 stengt ved Tretten"));

    // The server goes away: the picture stays, and says since when it is not updated.
    let addr = server.addr.clone();
    server.kill();
    let screen = t.wait_for("ingen forbindelse siden");
    assert!(screen.contains("min gammelt") && screen.contains("Fv. 120 stengt ved Tretten"), "{screen}");
    kari.ok(&["board", "post", "Stab", "Drikkevann: kok vannet", "--priority", "kritisk"]);
    kari.ok(&["board", "figure", "Stab", "evakuerte", "41"]);
    let _back = server.another_at(&addr);
    kari.ok(&["sync"]);
    let screen = t.wait_for("Drikkevann: kok vannet");
    assert!(screen.contains("evakuerte 41"), "{screen}");
    t.wait_for("● oppdatert");
    t.keys(&["C-q"]);
    t.wait_exit();
    assert_eq!(tv.entries().len(), kari.entries().len(), "the wall wrote nothing of its own");
}
