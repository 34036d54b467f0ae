//! Action cards (tiltakskort): a scenario's checklist, kept as a file a preparedness
//! officer edits (Markdown with a small header, or TOML) and in the database. Activating
//! a card in an incident turns its items into tasks.
//!
//! Markdown:
//! ```text
//! ---
//! tittel: Bortfall av strøm
//! scenario: strømbrudd
//! ---
//! Optional introduction.
//!
//! - [ ] Kontakt nettselskapet om omfang og varighet {rolle: beredskapsleder, frist: 15m}
//! - [ ] Start aggregat på rådhuset {ansvarlig: Teknisk drift, prioritet: høy}
//! ```
//! TOML: `title`, `scenario`, `about` and `[[item]]` tables with `text`, `role`,
//! `assignee`, `priority`, `due` ("15m", "2t").

use super::task::Priority;
use super::Invalid;
use crate::lang::Text;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardItem {
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    pub priority: Priority,
    /// Minutes from activation to the task's due time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_in: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// The short name it is activated by (the file name without extension).
    pub name: String,
    pub title: String,
    pub scenario: String,
    pub about: String,
    pub items: Vec<CardItem>,
}

/// "15m", "15 min", "2t", "2h", "1:30" (hours:minutes) as minutes.
pub fn parse_minutes(s: &str) -> Result<i64, Invalid> {
    let t = s.trim().to_lowercase();
    let bad = || {
        let s = s.trim();
        Invalid::new(
            format!("«{s}» er ikke en varighet; skriv for eksempel 15m, 2t eller 1:30"),
            format!("'{s}' is not a duration; write e.g. 15m, 2t or 1:30"),
        )
    };
    if let Some((h, m)) = t.split_once(':') {
        let (h, m): (i64, i64) = (h.trim().parse().map_err(|_| bad())?, m.trim().parse().map_err(|_| bad())?);
        return Ok(h * 60 + m);
    }
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let n: i64 = digits.parse().map_err(|_| bad())?;
    match t[digits.len()..].trim() {
        "" | "m" | "min" | "minutt" | "minutter" | "minutes" => Ok(n),
        "t" | "h" | "time" | "timer" | "hours" => Ok(n * 60),
        _ => Err(bad()),
    }
}

fn check_text(what: Text, s: &str) -> Result<String, Invalid> {
    super::contact::line(what, s)
}

impl Card {
    /// A card from a file's text; `name` is the file name without its extension.
    pub fn parse(name: &str, text: &str) -> Result<Card, Invalid> {
        let card = if text.trim_start().starts_with("---") {
            Card::from_markdown(name, text)?
        } else {
            Card::from_toml(name, text)?
        };
        card.validated()
    }

    fn validated(self) -> Result<Card, Invalid> {
        let name = check_text(Text::new("kortets navn", "the card's name"), &self.name)?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(Invalid::new(
                format!("«{name}» kan ikke være navnet på et kort: ett ord, som i bortfall-av-strom"),
                format!("'{name}' cannot name a card: one word, as in bortfall-av-strom"),
            ));
        }
        let title = check_text(Text::new("tittelen", "the title"), &self.title)?;
        if title.is_empty() {
            return Err(Invalid::new(
                format!("kort {name} trenger en tittel"),
                format!("card {name} needs a title"),
            ));
        }
        if self.items.is_empty() {
            return Err(Invalid::new(
                format!("kort {name} har ingen punkter"),
                format!("card {name} has no items"),
            ));
        }
        let items = self
            .items
            .into_iter()
            .map(|i| {
                Ok(CardItem {
                    text: check_text(Text::new("et punkt", "an item"), &i.text)?,
                    role: check_text(Text::new("en rolle", "a role"), &i.role)?,
                    assignee: i
                        .assignee
                        .map(|a| check_text(Text::new("en ansvarlig", "an assignee"), &a))
                        .transpose()?
                        .filter(|a| !a.is_empty()),
                    ..i
                })
            })
            .collect::<Result<Vec<_>, Invalid>>()?;
        if let Some(i) = items.iter().find(|i| i.text.is_empty()) {
            let role = &i.role;
            return Err(Invalid::new(
                format!("kort {name} har et tomt punkt etter «{role}»"),
                format!("card {name} has an empty item after '{role}'"),
            ));
        }
        Ok(Card {
            name,
            title,
            scenario: check_text(Text::new("scenarioet", "the scenario"), &self.scenario)?,
            about: super::contact::free_text(Text::new("innledningen", "the introduction"), &self.about)?,
            items,
        })
    }

    fn from_toml(name: &str, text: &str) -> Result<Card, Invalid> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(alias = "tittel")]
            title: String,
            #[serde(default)]
            scenario: String,
            #[serde(default, alias = "om")]
            about: String,
            #[serde(default, alias = "tiltak")]
            item: Vec<Item>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Item {
            #[serde(alias = "tekst")]
            text: String,
            #[serde(default, alias = "rolle")]
            role: String,
            #[serde(default, alias = "ansvarlig")]
            assignee: Option<String>,
            #[serde(default, alias = "prioritet")]
            priority: Option<String>,
            #[serde(default, alias = "frist")]
            due: Option<String>,
        }
        let f: File = toml::from_str(text).map_err(|e| {
            Invalid::new(format!("kort {name}: {}", e.message()), format!("card {name}: {}", e.message()))
        })?;
        let items = f
            .item
            .into_iter()
            .map(|i| {
                Ok(CardItem {
                    text: i.text,
                    role: i.role,
                    assignee: i.assignee,
                    priority: i.priority.as_deref().map(Priority::parse).transpose()?.unwrap_or_default(),
                    due_in: i.due.as_deref().map(parse_minutes).transpose()?,
                })
            })
            .collect::<Result<_, Invalid>>()?;
        Ok(Card { name: name.into(), title: f.title, scenario: f.scenario, about: f.about, items })
    }

    fn from_markdown(name: &str, text: &str) -> Result<Card, Invalid> {
        let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
        lines.next(); // the opening ---
        let (mut title, mut scenario) = (String::new(), String::new());
        for l in lines.by_ref() {
            if l.trim() == "---" {
                break;
            }
            match l.split_once(':') {
                Some((k, v)) => match crate::text::fold(k.trim()).as_str() {
                    "tittel" | "title" => title = v.trim().into(),
                    "scenario" => scenario = v.trim().into(),
                    other => {
                        return Err(Invalid::new(
                            format!("kort {name}: ukjent felt «{other}» i toppen"),
                            format!("card {name}: unknown header field '{other}'"),
                        ))
                    }
                },
                None if l.trim().is_empty() => {}
                None => {
                    let l = l.trim();
                    return Err(Invalid::new(
                        format!("kort {name}: linjen «{l}» i toppen har ingen «:»"),
                        format!("card {name}: the header line '{l}' has no ':'"),
                    ));
                }
            }
        }
        let mut about = Vec::new();
        let mut items = Vec::new();
        for (i, l) in lines.enumerate() {
            let t = l.trim();
            let item = t
                .strip_prefix("- [ ]")
                .or_else(|| t.strip_prefix("- [x]"))
                .or_else(|| t.strip_prefix("* [ ]"));
            match item {
                Some(rest) => items.push(item_from_markdown(rest).map_err(|e| e.at(&format!("kort {name}, punkt {}", i + 1), &format!("card {name}, item {}", i + 1)))?),
                None if items.is_empty() => about.push(l),
                None if t.is_empty() => {}
                None => {
                    return Err(Invalid::new(
                        format!("kort {name}: etter at sjekklisten begynner, må hver linje være et punkt «- [ ] …» (fant «{t}»)"),
                        format!("card {name}: after the checklist begins, every line must be an item '- [ ] …' (found '{t}')"),
                    ))
                }
            }
        }
        Ok(Card { name: name.into(), title, scenario, about: about.join("\n").trim().into(), items })
    }

    /// The card as Markdown, the way it is shipped and exported.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("---\ntittel: {}\nscenario: {}\n---\n", self.title, self.scenario);
        if !self.about.is_empty() {
            out.push_str(&format!("{}\n\n", self.about));
        }
        for i in &self.items {
            let mut attrs = Vec::new();
            if !i.role.is_empty() {
                attrs.push(format!("rolle: {}", i.role));
            }
            if let Some(a) = &i.assignee {
                attrs.push(format!("ansvarlig: {a}"));
            }
            if i.priority != Priority::Normal {
                attrs.push(format!("prioritet: {}", i.priority.name()));
            }
            if let Some(d) = i.due_in {
                attrs.push(format!("frist: {d}m"));
            }
            let attrs = if attrs.is_empty() { String::new() } else { format!(" {{{}}}", attrs.join(", ")) };
            out.push_str(&format!("- [ ] {}{attrs}\n", i.text));
        }
        out
    }
}

fn item_from_markdown(rest: &str) -> Result<CardItem, Invalid> {
    let rest = rest.trim();
    let (text, attrs) = match rest.strip_suffix('}').and_then(|r| r.rsplit_once('{')) {
        Some((text, attrs)) => (text.trim(), attrs),
        None => (rest, ""),
    };
    let mut item = CardItem {
        text: text.into(),
        role: String::new(),
        assignee: None,
        priority: Priority::Normal,
        due_in: None,
    };
    for pair in attrs.split([',', ';']).filter(|p| !p.trim().is_empty()) {
        let (k, v) = pair.split_once(':').ok_or_else(|| {
            let p = pair.trim();
            Invalid::new(format!("«{p}» skal være nøkkel: verdi"), format!("'{p}' should be key: value"))
        })?;
        let v = v.trim();
        match crate::text::fold(k.trim()).as_str() {
            "rolle" | "role" => item.role = v.into(),
            "ansvarlig" | "assignee" => item.assignee = Some(v.trim_start_matches('@').into()),
            "prioritet" | "priority" => item.priority = Priority::parse(v)?,
            "frist" | "due" => item.due_in = Some(parse_minutes(v)?),
            other => {
                return Err(Invalid::new(
                    format!("ukjent felt «{other}» i punktet; feltene er rolle, ansvarlig, prioritet, frist"),
                    format!("unknown item field '{other}'; fields are rolle, ansvarlig, prioritet, frist"),
                ))
            }
        }
    }
    Ok(item)
}

/// The cards sitroom ships, from the seeds' examples: (file name, text).
pub const DEFAULT_CARDS: [(&str, &str); 5] = [
    ("bortfall-av-strom", include_str!("../cards/bortfall-av-strom.md")),
    ("bortfall-av-ekom", include_str!("../cards/bortfall-av-ekom.md")),
    ("digital-sikkerhetshendelse", include_str!("../cards/digital-sikkerhetshendelse.md")),
    ("evakuering", include_str!("../cards/evakuering.md")),
    ("parorendesenter", include_str!("../cards/parorendesenter.md")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_cards_all_parse_with_items() {
        for (name, text) in DEFAULT_CARDS {
            let card = Card::parse(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(card.items.len() >= 4, "{name}");
            assert!(!card.title.is_empty());
            assert_eq!(Card::parse(name, &card.to_markdown()).unwrap(), card, "{name} survives export");
        }
        let ekom = Card::parse("bortfall-av-ekom", DEFAULT_CARDS[1].1).unwrap();
        let all: String = ekom.items.iter().map(|i| i.text.to_lowercase()).collect();
        for must in ["wifi", "mobiltelefon", "sim-kort"] {
            assert!(all.contains(must), "the ekom card says {must}");
        }
    }

    #[test]
    fn markdown_items_carry_role_assignee_priority_and_due() {
        let card = Card::parse(
            "test",
            "---\ntittel: Test\nscenario: flom\n---\nOm kortet.\n\n- [ ] Ring Lede {rolle: beredskapsleder, frist: 15m}\n- [ ] Start aggregat {ansvarlig: @teknisk, prioritet: høy, frist: 1:30}\n- [ ] Enkel\n",
        )
        .unwrap();
        assert_eq!(card.about, "Om kortet.");
        assert_eq!(card.items[0].role, "beredskapsleder");
        assert_eq!(card.items[0].due_in, Some(15));
        assert_eq!(card.items[1].assignee.as_deref(), Some("teknisk"));
        assert_eq!(card.items[1].priority, Priority::Høy);
        assert_eq!(card.items[1].due_in, Some(90));
        assert_eq!(card.items[2].text, "Enkel");
    }

    #[test]
    fn toml_cards_parse_too() {
        let card = Card::parse(
            "flom",
            "tittel = \"Flom\"\nscenario = \"flom\"\n[[tiltak]]\ntekst = \"Varsle NVE\"\nrolle = \"beredskapsleder\"\nfrist = \"2t\"\n",
        )
        .unwrap();
        assert_eq!(card.items[0].due_in, Some(120));
    }

    #[test]
    fn broken_cards_say_what_is_wrong() {
        assert!(Card::parse("x", "---\ntittel: X\n---\n").unwrap_err().to_string().contains("no items"));
        assert!(Card::parse("x", "---\ntittel: X\n---\n- [ ] a {frist: snart}\n")
            .unwrap_err()
            .to_string()
            .contains("snart"));
        assert!(Card::parse("x", "---\nfarge: rød\n---\n- [ ] a\n")
            .unwrap_err()
            .to_string()
            .contains("farge"));
        assert!(Card::parse("x", "title = \"X\"\ncolour = 1\n").is_err());
        assert!(Card::parse("to ord", "---\ntittel: X\n---\n- [ ] a\n").is_err());
        assert!(Card::parse("x", "---\ntittel: X\n---\n- [ ] a\u{1b}[2J\n").is_err(), "no escape codes");
    }
}
