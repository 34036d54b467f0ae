//! Report templates: shipped ones (situasjonsrapport in DSB's shape, møtereferat,
//! pressemelding) and the user's own Markdown files in `templates/` of the config
//! folder (the file name, without .md, is the template's name; a user file with a
//! shipped name replaces it). `{title}`, `{incident}`, `{time}` and `{user}` are
//! filled in when a report is made.

use std::path::Path;

const BUILTIN: &[(&str, &str)] = &[
    ("situasjonsrapport", include_str!("../templates/situasjonsrapport.md")),
    ("møtereferat", include_str!("../templates/møtereferat.md")),
    ("pressemelding", include_str!("../templates/pressemelding.md")),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    pub text: String,
}

/// Every template: shipped, then the user's.
pub fn templates(config_dir: Option<&Path>) -> Vec<Template> {
    let mut all: Vec<Template> =
        BUILTIN.iter().map(|(n, t)| Template { name: n.to_string(), text: t.to_string() }).collect();
    let Some(dir) = config_dir.map(|d| d.join("templates")) else { return all };
    let Ok(entries) = std::fs::read_dir(&dir) else { return all };
    let mut files: Vec<_> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "md")).collect();
    files.sort();
    for path in files {
        let (Some(stem), Ok(text)) =
            (path.file_stem().and_then(|s| s.to_str()), std::fs::read_to_string(&path))
        else {
            continue;
        };
        let name = crate::text::nfc(stem);
        match all.iter_mut().find(|t| t.name == name) {
            Some(t) => t.text = text,
            None => all.push(Template { name, text }),
        }
    }
    all
}

/// The shipped templates' English names, so a user of the English interface can say
/// what they want in their words.
const ENGLISH: &[(&str, &str)] = &[
    ("situation report", "situasjonsrapport"),
    ("sitrep", "situasjonsrapport"),
    ("minutes", "møtereferat"),
    ("meeting minutes", "møtereferat"),
    ("press release", "pressemelding"),
];

/// The template a person means by `typed`: its name in any case and with or without
/// its accents ("motereferat"), an English name ("minutes"), or the start of exactly
/// one name ("press").
pub fn template_named<'a>(all: &'a [Template], typed: &str) -> Option<&'a Template> {
    let typed = crate::text::fold(typed.trim());
    if typed.is_empty() {
        return None;
    }
    let named = |name: &str| all.iter().find(|t| t.name == name);
    if let Some(t) = all.iter().find(|t| crate::text::fold(&t.name) == typed) {
        return Some(t);
    }
    if let Some(t) = ENGLISH.iter().find(|(en, _)| *en == typed).and_then(|(_, nb)| named(nb)) {
        return Some(t);
    }
    let mut starting = all.iter().filter(|t| crate::text::fold(&t.name).starts_with(&typed));
    match (starting.next(), starting.next()) {
        (Some(t), None) => Some(t),
        _ => None,
    }
}

impl Template {
    /// The template's own words that a writer is meant to replace: every line that is
    /// not a heading, not empty and not filled in when a report is made.
    pub fn guidance(&self) -> impl Iterator<Item = &str> {
        self.text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#') && !l.contains('{'))
    }

    pub fn fill(&self, title: &str, incident: &str, time: &str, user: &str) -> String {
        self.text
            .replace("{title}", title)
            .replace("{incident}", incident)
            .replace("{time}", time)
            .replace("{user}", user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_found_by_what_people_type() {
        let all = templates(None);
        for (typed, name) in [
            ("situasjonsrapport", "situasjonsrapport"),
            ("Møtereferat", "møtereferat"),
            ("motereferat", "møtereferat"),
            ("minutes", "møtereferat"),
            ("Press release", "pressemelding"),
            ("press", "pressemelding"),
            ("sit", "situasjonsrapport"),
        ] {
            assert_eq!(template_named(&all, typed).map(|t| t.name.as_str()), Some(name), "{typed}");
        }
        assert!(template_named(&all, "rapport").is_none() && template_named(&all, "").is_none());
    }

    #[test]
    fn shipped_and_user_templates() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("templates");
        std::fs::create_dir(&t).unwrap();
        std::fs::write(t.join("evakueringsmelding.md"), "# {title}\nEvakuer {incident} nå.").unwrap();
        std::fs::write(t.join("pressemelding.md"), "# Egen mal\n").unwrap();
        let all = templates(Some(dir.path()));
        let names: Vec<_> = all.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["situasjonsrapport", "møtereferat", "pressemelding", "evakueringsmelding"]);
        assert_eq!(all[2].text, "# Egen mal\n", "the user's replaces the shipped one");
        let sitrep = &all[0];
        let filled = sitrep.fill("Situasjonsrapport 1", "Flom i Lågen", "23.11 09:41", "åse");
        assert!(filled.starts_with("# Situasjonsrapport 1\n") && filled.contains("**Utarbeidet av:** åse"));
        for heading in [
            "Situasjonsbeskrivelse",
            "Konsekvenser",
            "Iverksatte tiltak",
            "Behov",
            "Vurdering",
            "Neste rapport",
        ] {
            assert!(filled.contains(heading), "{heading}");
        }
    }
}
