//! Every word the interface shows exists in every language: the table of interface
//! words, the words for the domain's values, what each context's keys do, and what
//! each kind of record is called. An empty phrase, or an English one left in the
//! bokmål column (or the other way round), fails here.

use sitroom::domain::alert::{Ack, Channel, Delivery};
use sitroom::domain::contact::Availability;
use sitroom::domain::eps::{EpsKind, EpsStatus};
use sitroom::domain::evaluation::PointKind;
use sitroom::domain::media::MediaStatus;
use sitroom::domain::meeting::MeetingStatus;
use sitroom::domain::plan::LinkKind;
use sitroom::domain::report::{ReportStatus, ReportStep};
use sitroom::domain::roles::Permission;
use sitroom::domain::ros::Level;
use sitroom::domain::task::{Priority, TaskStatus};
use sitroom::domain::Severity;
use sitroom::i18n::{Label, Lang, Strings, Text};
use sitroom::replication::Kind;
use sitroom::tui::keymap::CONTEXTS;

/// Words that are the same in both languages, on purpose.
const SAME_IN_BOTH: &[&str] = &[
    "Filter", "Type", "EPS", "ROS", "OK", "ok", "av/på", "←", "→", "normal", "Status", "app", "sms", "F3",
    "mine", "reserve",
];

/// Each value's words, named by the value.
fn labels<T: Label + std::fmt::Debug>(all: &[T]) -> Vec<(String, Text)> {
    all.iter().map(|v| (format!("{v:?}"), v.label())).collect()
}

fn every_phrase() -> Vec<(String, Text)> {
    let mut all: Vec<(String, Text)> = Strings::all().into_iter().map(|(k, t)| (k.to_string(), t)).collect();
    for &(context, name, keys) in CONTEXTS {
        assert_eq!(keys.context, context, "[{name}] declares its own keys");
        all.push((format!("[{name}] heading"), keys.heading));
        for m in keys.actions() {
            all.push((format!("[{name}] {} help", m.action.name()), m.help));
            all.push((format!("[{name}] {} hint", m.action.name()), m.hint));
        }
    }
    for k in Kind::ALL {
        all.push((format!("kind {}", k.name()), k.spec().label));
    }
    // Every coded value (codes! makes the lists), and the other values the interface names.
    all.extend(labels(TaskStatus::ALL));
    all.extend(labels(Priority::ALL));
    all.extend(labels(MediaStatus::ALL));
    all.extend(labels(sitroom::domain::board::NoticeStatus::ALL));
    all.extend(labels(ReportStatus::ALL));
    all.extend(labels(MeetingStatus::ALL));
    all.extend(labels(Ack::ALL));
    all.extend(labels(Channel::ALL));
    all.extend(labels(Delivery::ALL));
    all.extend(labels(EpsKind::ALL));
    all.extend(labels(EpsStatus::ALL));
    all.extend(labels(Availability::ALL));
    all.extend(labels(PointKind::ALL));
    all.extend(labels(LinkKind::ALL));
    all.extend(labels(&[
        ReportStep::Submit,
        ReportStep::Approve,
        ReportStep::Return,
        ReportStep::Distribute,
    ]));
    all.extend(labels(&[Level::Low, Level::Medium, Level::High]));
    all.extend(labels(&Permission::ALL));
    all.extend((1..=5).map(|l| (format!("severity {l}"), Severity::new(l).unwrap().label())));
    all
}

/// The phrases among `phrases` that are empty or left untranslated in a language.
fn missing(phrases: Vec<(String, Text)>) -> Vec<String> {
    let mut missing = Vec::new();
    for (key, text) in phrases {
        let (nb, en) = (text.get(Lang::Nb), text.get(Lang::En));
        if nb.trim().is_empty() || en.trim().is_empty() {
            missing.push(format!("{key}: empty in a language (nb {nb:?}, en {en:?})"));
        } else if nb == en && !SAME_IN_BOTH.contains(&nb.trim()) && nb.chars().any(char::is_alphabetic) {
            missing.push(format!("{key}: not translated ({nb:?} in both)"));
        }
    }
    missing
}

#[test]
fn every_phrase_is_there_in_every_language() {
    let missing = missing(every_phrase());
    assert!(missing.is_empty(), "phrases missing a language:\n{}", missing.join("\n"));
}

#[test]
fn the_walk_finds_a_phrase_left_untranslated() {
    // The same check, shown to fail: the whole interface with one phrase left in
    // English in the bokmål column and one empty.
    let mut planted = every_phrase();
    assert!(planted.len() > 300, "the walk covers the whole interface");
    planted.push(("planted".into(), Text::new("Save the entry", "Save the entry")));
    planted.push(("empty".into(), Text::new("", "Saved")));
    let found = missing(planted);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("planted: not translated") && found[1].starts_with("empty: empty"),
        "{found:?}"
    );
}

/// Input the domain refuses is said in the user's language, on the command line as
/// in the TUI: the rule is written once, in both languages, and the interface picks.
#[test]
fn a_refused_input_is_said_in_the_users_language() {
    let h = crate::common::Home::new();
    let (code, err) = h.fails(&["--lang", "nb", "contact", "add", "--name", "Kari", "--phone", "ring meg"]);
    assert_eq!(code, 2);
    assert!(err.contains("«ring meg» er ikke et telefonnummer"), "{err}");
    let (_, err) = h.fails(&["--lang", "en", "contact", "add", "--name", "Kari", "--phone", "ring meg"]);
    assert!(err.contains("'ring meg' is not a phone number"), "{err}");
    h.ok(&["incident", "new", "--title", "Flom"]);
    let (_, err) = h.fails(&["--lang", "nb", "task", "add", "Ring BST", "--priority", "viktig"]);
    assert!(
        err.contains("ukjent prioritet «viktig»; mulige verdier er lav, normal, høy eller kritisk"),
        "{err}"
    );
    // A record that is not there, said by the store in both languages.
    let (_, err) = h.fails(&["--lang", "nb", "task", "status", "99", "pågår"]);
    assert!(err.contains("hendelse 1 har ingen oppgave 99"), "{err}");
    let (_, err) = h.fails(&["task", "status", "99", "pågår"]);
    assert!(err.contains("incident 1 has no task 99"), "{err}");
}

/// A string literal at the start of `s` (after spaces and newlines): its text and the
/// rest. Plain `"…"` literals only (with `\"` and `\\`), which is how messages are
/// written; anything else (a `format!`, a variable) is no literal.
fn literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => {
                if let Some((_, e)) = chars.next() {
                    out.push(match e {
                        'n' => '\n',
                        '\n' => continue,
                        e => e,
                    });
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// The two words of a pair written inline: `Text::new("nb", "en")`, `lang.pick("nb",
/// "en")`, `say!(lang, "nb", "en", …)` and a key's `does(Action, "nb", "en", "nb", "en")`
/// (its help and its hint), wherever they are in the source.
fn inline_pairs(path: &std::path::Path, source: &str) -> Vec<(String, Text)> {
    let mut pairs = Vec::new();
    let place = |at: usize| format!("{}:{}", path.display(), source[..at].lines().count());
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut push_pairs = |at: usize, mut rest: &str, count: usize| {
        for _ in 0..count {
            let Some((nb, r)) = literal(rest) else { return };
            let Some((en, r)) = literal(r.trim_start().strip_prefix(',').unwrap_or(r)) else { return };
            pairs.push((place(at), Text::new(leak(nb), leak(en))));
            rest = r.trim_start().strip_prefix(',').unwrap_or(r);
        }
    };
    for marker in ["Text::new(", ".pick(", "say!("] {
        for (at, _) in source.match_indices(marker) {
            let mut rest = &source[at + marker.len()..];
            if marker == "say!(" {
                // the language, then the two literals
                rest = rest.split_once(',').map_or("", |(_, r)| r);
            }
            push_pairs(at, rest, 1);
        }
    }
    for (at, _) in source.match_indices("does(") {
        let rest = source[at + 5..].split_once(',').map_or("", |(_, r)| r);
        push_pairs(at, rest, 2);
    }
    pairs
}

fn source_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The messages written inline where they are said (a status, a refusal, a question,
/// a key's help) are walked too: every pair in the source, in both languages.
#[test]
fn every_message_written_inline_is_there_in_every_language() {
    let mut files = Vec::new();
    source_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut pairs = Vec::new();
    for path in &files {
        pairs.extend(inline_pairs(path, &std::fs::read_to_string(path).unwrap()));
    }
    assert!(pairs.len() > 500, "the walk finds the inline messages: {}", pairs.len());
    let gaps = missing(pairs);
    assert!(gaps.is_empty(), "inline messages missing a language:\n{}", gaps.join("\n"));
    // The walk itself, shown to find what it looks for.
    let planted = "cx.post(UiEvent::Status(cx.lang.pick(\"Lagret\", \"Lagret\")));\n\
                   say!(lang, \"\", \"Saved {n}\", n);";
    let found = missing(inline_pairs(std::path::Path::new("planted.rs"), planted));
    assert_eq!(found.len(), 2, "{found:?}");
}
