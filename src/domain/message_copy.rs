//! A copy of a message by SMS or e-mail, for those who are away from the screen: it
//! goes through the alert channels to the phone or e-mail address of the contact
//! linked to each person the message reaches in the writer's organisation (a contact's
//! `account`). The message in sitroom stays the record; the copy says where the rest
//! is when it cannot hold all of it.

use super::alert::{sms_length, Channel, Delivery};
use super::Invalid;
use serde::{Deserialize, Serialize};

/// The copies a message may ask for, as stored on it and sent in its op.
pub const COPIES: [&str; 3] = ["e-post", "sms", "e-post+sms"];

/// A copy as typed ("sms", "epost", "e-mail", "begge", "sms,epost") in the form it is
/// stored.
pub fn parse(typed: &str) -> Result<String, Invalid> {
    let (mut email, mut sms) = (false, false);
    for part in crate::text::fold(typed).split([',', '+', '/', ' ']).filter(|p| !p.is_empty()) {
        match part.replace('-', "").as_str() {
            "epost" | "email" | "mail" => email = true,
            "sms" | "tekstmelding" => sms = true,
            "begge" | "both" | "alle" | "all" => (email, sms) = (true, true),
            _ => {
                return Err(Invalid::new(
                    format!("ukjent kopi «{}»: sms, epost eller begge", typed.trim()),
                    format!("unknown copy '{}': sms, epost (e-mail) or both", typed.trim()),
                ))
            }
        }
    }
    match (email, sms) {
        (true, true) => Ok(COPIES[2].into()),
        (true, false) => Ok(COPIES[0].into()),
        (false, true) => Ok(COPIES[1].into()),
        (false, false) => {
            Err(Invalid::new("si hvilken kopi: sms, epost eller begge", "say which copy: sms, epost or both"))
        }
    }
}

/// The channels a stored copy goes by (none for anything else).
pub fn channels(stored: &str) -> Vec<Channel> {
    match stored {
        "e-post" => vec![Channel::Email],
        "sms" => vec![Channel::Sms],
        "e-post+sms" => vec![Channel::Email, Channel::Sms],
        _ => vec![],
    }
}

/// One copy to one person by one channel, and where it stands. Kept by the replica
/// the message was written on, which sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopySent {
    /// The person (account name) or organisation it was for.
    pub person: String,
    pub channel: Channel,
    pub address: String,
    pub status: Delivery,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// How many copies went, wait and did not.
pub fn tally(copies: &[CopySent]) -> (usize, usize, usize) {
    let count = |d: Delivery| copies.iter().filter(|c| c.status == d).count();
    (count(Delivery::Delivered), count(Delivery::Waiting), count(Delivery::NotDelivered))
}

/// The text of an SMS copy: "HASTER " when urgent, the writer, the text, in one SMS. A
/// longer text is cut at a word and ends with where the whole of it is.
pub fn sms_text(author: &str, text: &str, reference: &str, urgent: bool) -> String {
    let head = format!("{}{author}: ", if urgent { "HASTER " } else { "" });
    let whole = format!("{head}{}", text.trim());
    let fits = |s: &str| {
        let (length, most) = sms_length(s);
        length <= most
    };
    if fits(&whole) {
        return whole;
    }
    // Three dots, not "…": that one is outside the SMS alphabet and would leave 70.
    let tail = format!(" ... (hele i sitroom: {reference})");
    let chars: Vec<char> = text.trim().chars().collect();
    let cut = |k: usize| format!("{head}{}{tail}", chars[..k].iter().collect::<String>().trim_end());
    // The longest start that fits (longer never fits better), then back to a word.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(&cut(mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let at_word = chars[..lo].iter().rposition(|c| c.is_whitespace()).filter(|w| *w > lo / 2).unwrap_or(lo);
    cut(at_word)
}

/// The subject and body of an e-mail copy.
pub fn email(
    author: &str,
    from_org: &str,
    to: &str,
    text: &str,
    reference: &str,
    urgent: bool,
) -> (String, String) {
    let first: String = super::message::summary(text, 60);
    let hast = if urgent { "HASTER: " } else { "" };
    let from = if from_org.is_empty() { author.to_string() } else { format!("{author} ({from_org})") };
    let subject = format!("{hast}Melding fra {author}: {first}");
    let body = format!(
        "{}\n\n-- \nMelding {reference} fra {from} til {to}, sendt i sitroom. Svar og si at du har lest den i sitroom \
         (sitroom message read {reference}).\n",
        text.trim()
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_typed_in_either_language_and_stored_one_way() {
        assert_eq!(parse("SMS").unwrap(), "sms");
        assert_eq!(parse("e-post").unwrap(), "e-post");
        assert_eq!(parse("email").unwrap(), "e-post");
        assert_eq!(parse("epost, sms").unwrap(), "e-post+sms");
        assert_eq!(parse("begge").unwrap(), "e-post+sms");
        assert!(parse("brevdue").unwrap_err().to_string().contains("brevdue"));
        assert!(parse(" ").is_err());
        for c in COPIES {
            assert_eq!(parse(c).unwrap(), c, "what is stored reads back as itself");
            assert!(!channels(c).is_empty());
        }
        assert!(channels("fax").is_empty());
    }

    #[test]
    fn an_sms_copy_fits_one_sms_and_says_where_the_rest_is() {
        let short = sms_text("kari", "Møt på rådhuset kl 14", "0a1b2c3d", true);
        assert_eq!(short, "HASTER kari: Møt på rådhuset kl 14");
        let long_text = "Vannverket på Ås melder at trykket faller i hele sone 3, og at beboerne i Åsgårdstrand må koke \
                         vannet til nærmere beskjed. Informasjonsmedarbeideren lager en melding til nettsiden innen kl 15.";
        let long = sms_text("kari", long_text, "0a1b2c3d", false);
        let (length, most) = sms_length(&long);
        assert!(length <= most && most == 160, "{length} of {most}: {long}");
        assert!(long.starts_with("kari: Vannverket på Ås"), "{long}");
        assert!(long.ends_with(" ... (hele i sitroom: 0a1b2c3d)"), "{long}");
        let cut = long.trim_start_matches("kari: ").split(" ... ").next().unwrap();
        assert!(
            long_text.starts_with(cut) && long_text[cut.len()..].starts_with(' '),
            "cut at a word: {cut}"
        );
        // An emoji makes it a 70-character SMS, and it still fits.
        let emoji = sms_text("kari", &format!("🚨 {long_text}"), "0a1b2c3d", false);
        let (length, most) = sms_length(&emoji);
        assert!(length <= most && most == 70, "{length} of {most}: {emoji}");
    }

    #[test]
    fn an_email_copy_names_the_writer_and_where_to_answer() {
        let (subject, body) =
            email("kari", "Tønsberg kommune", "per", "Møt på rådhuset\nkl 14", "0a1b2c3d", true);
        assert_eq!(subject, "HASTER: Melding fra kari: Møt på rådhuset");
        assert!(body.starts_with("Møt på rådhuset\nkl 14\n\n-- \n"), "{body}");
        assert!(body.contains("kari (Tønsberg kommune) til per") && body.contains("0a1b2c3d"), "{body}");
    }
}
