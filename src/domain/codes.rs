//! Coded values: the statuses and kinds kept as a stable code in the store, on the wire
//! and in `--json` (the bokmål word CIM uses). A code never changes with the interface's
//! wording; what people read is made by `i18n::Label`. `codes!` declares such a value
//! once: each variant's code and the words people may type for it.

/// A value the store keeps as a code, read back (a code from a newer version: none).
pub trait Coded: Sized {
    fn from_code(code: &str) -> Option<Self>;
}

/// A word as it is compared: case, accents (æ ø å), `-` and `_` aside.
pub fn key(s: &str) -> String {
    crate::text::fold(s.trim()).replace(['-', '_'], " ")
}

/// "a, b or c" (with `or` the word for it): the codes an error offers.
pub fn one_of(codes: &[&str], or: &str) -> String {
    match codes.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} {or} {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `codes! { pub enum Name: "hva" / "what", "whats" { Variant = "code" | "word" | …, … } }`:
/// the enum (serialised as its codes), `ALL`, `name()` (the code) and `parse()`, which
/// takes the code or any of the words, in either language.
macro_rules! codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $what_nb:literal / $what:literal, $whats:literal {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal $(| $word:literal)*),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code: stored, synced and printed by `--json`.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The code, or a word for it in either language (case, æøå, `-` and `_`
            /// aside). A stored code is found without folding anything.
            pub fn parse(s: &str) -> Result<$name, $crate::domain::Invalid> {
                if let Some(v) = Self::ALL.iter().find(|v| v.name() == s) {
                    return Ok(*v);
                }
                let typed = $crate::domain::codes::key(s);
                $(
                    if typed == $crate::domain::codes::key($code)
                        $(|| typed == $crate::domain::codes::key($word))*
                    {
                        return Ok($name::$variant);
                    }
                )+
                let typed = s.trim();
                let codes: Vec<&str> = Self::ALL.iter().map(|v| v.name()).collect();
                let (nb, en) = ($crate::domain::codes::one_of(&codes, "eller"), $crate::domain::codes::one_of(&codes, "or"));
                Err($crate::domain::Invalid::new(
                    format!("ukjent {} «{typed}»; mulige verdier er {nb}", $what_nb),
                    format!("unknown {} '{typed}'; {} are {en}", $what, $whats),
                ))
            }
        }

        impl $crate::domain::codes::Coded for $name {
            fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name() == code)
            }
        }
    };
}
pub(crate) use codes;

// The incident's status and an entry's kind are English words with no synonyms.
impl Coded for super::IncidentStatus {
    fn from_code(code: &str) -> Option<Self> {
        super::IncidentStatus::parse(code)
    }
}

impl Coded for super::EntryKind {
    fn from_code(code: &str) -> Option<Self> {
        super::EntryKind::parse(code)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::alert::{Ack, Channel, Delivery};
    use crate::domain::contact::Availability;
    use crate::domain::eps::{EpsKind, EpsStatus};
    use crate::domain::media::MediaStatus;
    use crate::domain::task::{Priority, TaskStatus};

    fn round_trips<T: Copy + PartialEq + std::fmt::Debug + serde::Serialize>(
        all: &[T],
        name: fn(T) -> &'static str,
        parse: fn(&str) -> Result<T, crate::domain::Invalid>,
    ) {
        for &v in all {
            assert_eq!(parse(name(v)), Ok(v), "{v:?} reads back from its code");
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", name(v)),
                "the wire carries the code"
            );
        }
    }

    #[test]
    fn every_code_reads_back_and_is_what_the_wire_carries() {
        round_trips(TaskStatus::ALL, TaskStatus::name, TaskStatus::parse);
        round_trips(Priority::ALL, Priority::name, Priority::parse);
        round_trips(MediaStatus::ALL, MediaStatus::name, MediaStatus::parse);
        round_trips(Ack::ALL, Ack::name, Ack::parse);
        round_trips(Channel::ALL, Channel::name, Channel::parse);
        round_trips(Delivery::ALL, Delivery::name, Delivery::parse);
        round_trips(EpsKind::ALL, EpsKind::name, EpsKind::parse);
        round_trips(EpsStatus::ALL, EpsStatus::name, EpsStatus::parse);
        round_trips(Availability::ALL, Availability::name, Availability::parse);
    }

    #[test]
    fn typed_words_are_taken_in_either_language_case_and_accents_aside() {
        assert_eq!(TaskStatus::parse(" PÅGÅR "), Ok(TaskStatus::InProgress));
        assert_eq!(TaskStatus::parse("in_progress"), Ok(TaskStatus::InProgress));
        assert_eq!(MediaStatus::parse("Under-Arbeid"), Ok(MediaStatus::InProgress));
        assert_eq!(Ack::parse("kan-ikke"), Ok(Ack::CannotCome));
        assert_eq!(Availability::parse(""), Ok(Availability::Available), "an empty CSV cell is available");
        let err = Priority::parse("viktig").unwrap_err().to_string();
        assert_eq!(err, "unknown priority 'viktig'; priorities are lav, normal, høy or kritisk");
    }
}
