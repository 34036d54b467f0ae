//! The few pages a browser sees of single sign-on: type the code, choose a provider,
//! signed in, or why not. In bokmål with English beneath, plain HTML that works on
//! any phone, nothing fetched from elsewhere.

/// Text safe inside HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>body{{font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em}}\
         .en{{color:#555}}input{{font-size:1.4em;letter-spacing:.1em}}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

/// The page to type the code the terminal shows.
pub fn enter_code() -> String {
    page(
        "sitroom: logg inn",
        "<h1>Logg inn i sitroom</h1><p>Skriv koden terminalen viser.</p>\
         <p class=\"en\">Sign in to sitroom: type the code your terminal shows.</p>\
         <form method=\"get\" action=\"sso\"><input name=\"code\" autocomplete=\"off\" autofocus>\
         <button type=\"submit\">Videre / Continue</button></form>",
    )
}

/// Who asks to be signed in, before anything else: a sign-in someone else started
/// (a forwarded link, a phishing mail) must not be finished by the person reading.
pub fn confirm(code: &str, provider: Option<&str>, device: &str, minutes: u64) -> String {
    let (code, device) = (escape(code), escape(device));
    let provider = provider
        .map(|p| format!("<input type=\"hidden\" name=\"provider\" value=\"{}\">", escape(p)))
        .unwrap_or_default();
    page(
        "sitroom: bekreft innlogging",
        &format!(
            "<h1>Logge inn {device}?</h1>\
             <p>Enheten <b>{device}</b> ber om å logge inn med kode <b>{code}</b> (startet for {minutes} min siden). \
             Gå videre bare hvis du selv startet dette i terminalen din nå.</p>\
             <p class=\"en\">The device <b>{device}</b> asks to sign in with code <b>{code}</b> (started {minutes} min ago). \
             Go on only if you started this yourself, in your terminal, just now.</p>\
             <form method=\"get\" action=\"sso\"><input type=\"hidden\" name=\"code\" value=\"{code}\">{provider}\
             <input type=\"hidden\" name=\"go\" value=\"1\"><button type=\"submit\">Logg inn / Sign in</button></form>"
        ),
    )
}

/// Choose the identity provider of one's organisation.
pub fn choose(code: &str, providers: &[(String, String)]) -> String {
    let mut list = String::from("<ul>");
    for (name, org) in providers {
        list.push_str(&format!(
            "<li><a href=\"sso?code={}&amp;provider={}&amp;go=1\">{} ({})</a></li>",
            escape(code),
            escape(name),
            escape(org),
            escape(name)
        ));
    }
    list.push_str("</ul>");
    page(
        "sitroom: velg organisasjon",
        &format!("<h1>Hvor hører du til?</h1><p class=\"en\">Choose your organisation.</p>{list}"),
    )
}

pub fn signed_in(user: &str, org: &str) -> String {
    let (user, org) = (escape(user), escape(org));
    page(
        "sitroom: logget inn",
        &format!(
            "<h1>Logget inn</h1><p>Du er logget inn som <b>{user}</b> ({org}). Gå tilbake til terminalen.</p>\
             <p class=\"en\">Signed in as <b>{user}</b> ({org}). Go back to your terminal.</p>"
        ),
    )
}

pub fn failed(why: &str) -> String {
    let why = escape(why);
    page(
        "sitroom: ikke logget inn",
        &format!(
            "<h1>Ikke logget inn</h1><p>{why}</p><p>Start på nytt fra terminalen.</p>\
             <p class=\"en\">Not signed in: start again from your terminal.</p>"
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_a_page_shows_is_escaped() {
        let p = super::signed_in("<script>", "Bø & Sauherad");
        assert!(p.contains("&lt;script&gt;") && p.contains("Bø &amp; Sauherad"));
        assert!(!p.contains("<script>"));
    }
}
