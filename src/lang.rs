//! The interface languages and [`Text`], a phrase in each: the one mechanism every
//! word on screen goes through. Below everything that uses it; the words themselves
//! are with what they name (`i18n` for the interface and the domain's values, each
//! pane's keys, each kind of record).

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Norsk bokmål
    Nb,
    /// English
    En,
}

impl Lang {
    /// Every language, for what must be recognised in any of them.
    pub const ALL: [Lang; 2] = [Lang::Nb, Lang::En];

    /// From a locale such as `nb_NO.UTF-8`: Norwegian (nb, nn, no) gets bokmål,
    /// anything else English.
    pub fn from_locale(locale: &str) -> Lang {
        let l = locale.to_ascii_lowercase();
        if ["nb", "nn", "no"].iter().any(|p| l.starts_with(p)) {
            Lang::Nb
        } else {
            Lang::En
        }
    }

    /// `LC_ALL`, `LC_MESSAGES`, then `LANG`, as POSIX orders them.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .map_or(Lang::En, |v| Lang::from_locale(&v))
    }

    /// The one of a phrase's languages that is this one: `lang.pick("lagret", "saved")`.
    pub fn pick(self, nb: impl Into<String>, en: impl Into<String>) -> String {
        match self {
            Lang::Nb => nb.into(),
            Lang::En => en.into(),
        }
    }
}

/// A phrase in every interface language: leaving one out does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    nb: &'static str,
    en: &'static str,
}

impl Text {
    pub const fn new(nb: &'static str, en: &'static str) -> Text {
        Text { nb, en }
    }

    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nb => self.nb,
            Lang::En => self.en,
        }
    }
}

/// A phrase made at run time in every language (a message that names what was typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    nb: String,
    en: String,
}

impl Phrase {
    pub fn new(nb: impl Into<String>, en: impl Into<String>) -> Phrase {
        Phrase { nb: nb.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nb => &self.nb,
            Lang::En => &self.en,
        }
    }
}

/// A sentence in the language asked for, written in every language at once, with the
/// arguments `format!` takes: `say!(lang, "Oppgave {n} opprettet", "Task {n} created")`.
#[macro_export]
macro_rules! say {
    ($lang:expr, $nb:literal, $en:literal $(,)?) => {
        match $lang {
            $crate::lang::Lang::Nb => format!($nb),
            $crate::lang::Lang::En => format!($en),
        }
    };
    ($lang:expr, $nb:literal, $en:literal, $($arg:tt)*) => {
        match $lang {
            $crate::lang::Lang::Nb => format!($nb, $($arg)*),
            $crate::lang::Lang::En => format!($en, $($arg)*),
        }
    };
}
