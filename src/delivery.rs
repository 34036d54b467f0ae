//! Channels out of sitroom: e-mail over SMTP and text messages through a command or an
//! HTTP gateway, as `[alerts]` in config.toml sets them up, for alerts and for copies
//! of messages. Both wait in the
//! outbox (the store) until [`deliver_outbox`] sends them; a channel that is not set up
//! marks its messages "ikke levert" with the reason, so nothing is silently dropped.
//!
//! ```toml
//! [alerts.smtp]
//! host = "smtp.kommune.no"
//! port = 587
//! security = "starttls"          # starttls, tls or none
//! user = "beredskap"
//! password_env = "SITROOM_SMTP_PASSWORD"
//! from = "Beredskap <beredskap@kommune.no>"
//!
//! [alerts.sms]
//! command = ["/usr/local/bin/send-sms", "{to}"]   # the message on standard input
//! # or: url = "https://sms.example.no/send"      # POST to=…&text=…
//! ```

use crate::config::{Channels, Security, Sms, Smtp};
use crate::domain::alert::{Channel, Delivery};
use crate::store::{About, Outgoing, Store};
use std::io::Write;
use std::time::Duration;

/// What a delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
    pub retry: usize,
}

/// Deliver the outbox of the database at `db` every few seconds on a thread of its own
/// (its own connection), so that an SMTP server that is slow to answer never holds up
/// the screen. Runs for as long as the program does.
pub fn spawn_worker(db: std::path::PathBuf, channels: Channels) {
    std::thread::spawn(move || {
        let mut store = None;
        loop {
            if store.is_none() {
                store = Store::open(&db).ok();
            }
            if let Some(s) = store.as_mut() {
                if let Err(e) = deliver_outbox(s, &channels) {
                    tracing::warn!("delivering alerts: {e}");
                    store = None;
                }
            }
            std::thread::sleep(Duration::from_secs(2));
        }
    });
}

/// How often a failing message is tried before it is given up as "ikke levert".
const ATTEMPTS: i64 = 3;

/// Send what waits in the outbox. SMTP messages go over one connection per round.
pub fn deliver_outbox(store: &mut Store, channels: &Channels) -> crate::store::Result<Delivered> {
    let mut done = Delivered::default();
    let mut mailer: Option<Result<lettre::SmtpTransport, String>> = None;
    // A channel that fails three times in a row is left alone for the rest of the
    // round: 2,000 messages to an SMTP server that does not answer must not each wait
    // for their own timeout.
    let mut failing: Vec<(Channel, u32, String)> = Vec::new();
    loop {
        let batch = store.outbox(200)?;
        if batch.is_empty() {
            return Ok(done);
        }
        let mut progressed = false;
        for m in batch {
            let down = failing.iter().find(|(c, n, _)| *c == m.channel && *n >= 3).map(|(_, _, e)| e.clone());
            let result = match m.channel {
                _ if down.is_some() => Err(down.unwrap_or_default()),
                Channel::App => Ok(()),
                Channel::Email => match &channels.smtp {
                    Some(smtp) => {
                        let transport = mailer.get_or_insert_with(|| smtp_transport(smtp));
                        match transport {
                            Ok(t) => send_mail(t, smtp, &m),
                            Err(e) => Err(e.clone()),
                        }
                    }
                    None => Err("e-post er ikke satt opp ([alerts.smtp] i config.toml)".into()),
                },
                Channel::Sms => match &channels.sms {
                    Some(sms) => send_sms(sms, &m),
                    None => Err("SMS er ikke satt opp ([alerts.sms] i config.toml)".into()),
                },
            };
            let now = chrono::Utc::now();
            match (&result, failing.iter_mut().find(|(c, ..)| *c == m.channel)) {
                (Ok(()), Some(f)) => f.1 = 0,
                (Err(e), Some(f)) => *f = (m.channel, f.1 + 1, e.clone()),
                (Err(e), None) => failing.push((m.channel, 1, e.clone())),
                (Ok(()), None) => {}
            }
            let mut settle = |status: Delivery, note: &str| match m.about {
                About::Alert { .. } => store.set_delivery(m.id, status, note, now),
                About::Copy { .. } => store.set_copy_delivery(m.id, status, note, now),
            };
            match result {
                Ok(()) => {
                    settle(Delivery::Delivered, "")?;
                    done.sent += 1;
                    progressed = true;
                }
                Err(e) if m.attempts + 1 >= ATTEMPTS || !channels.has(m.channel) => {
                    settle(Delivery::NotDelivered, &e)?;
                    done.failed += 1;
                    progressed = true;
                }
                Err(e) => {
                    settle(Delivery::Waiting, &e)?;
                    done.retry += 1;
                }
            }
        }
        if !progressed {
            // Everything left failed this round and will be tried again later.
            return Ok(done);
        }
    }
}

fn smtp_transport(smtp: &Smtp) -> Result<lettre::SmtpTransport, String> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::SmtpTransport;
    let builder = match smtp.security {
        Security::None => Ok(SmtpTransport::builder_dangerous(&smtp.host)),
        Security::Starttls => SmtpTransport::starttls_relay(&smtp.host),
        Security::Tls => SmtpTransport::relay(&smtp.host),
    }
    .map_err(|e| format!("SMTP-tjeneren {}: {e}", smtp.host))?;
    let mut builder = builder.timeout(Some(Duration::from_secs(20)));
    if let Some(port) = smtp.port {
        builder = builder.port(port);
    }
    if let Some(user) = &smtp.user {
        let password = smtp
            .password_env
            .as_deref()
            .and_then(|v| std::env::var(v).ok())
            .ok_or_else(|| "SMTP-passordet mangler (password_env i [alerts.smtp])".to_string())?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

fn send_mail(transport: &lettre::SmtpTransport, smtp: &Smtp, m: &Outgoing) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::{Message, Transport};
    let from = smtp.from.parse().map_err(|e| format!("avsenderen {} er ugyldig: {e}", smtp.from))?;
    let to = format!("{} <{}>", m.name.replace(['<', '>', '"'], ""), m.address)
        .parse()
        .or_else(|_| m.address.parse())
        .map_err(|e| format!("adressen {} er ugyldig: {e}", m.address))?;
    let (subject, body) = match &m.about {
        About::Alert { incident, alert } => {
            let first_line: String = m.message.lines().next().unwrap_or("").chars().take(60).collect();
            (
                format!("Varsling (hendelse {incident}): {first_line}"),
                format!(
                    "{}\n\n-- \nVarsling {alert} i hendelse {incident}, sendt fra sitroom. Svar avsenderen: mottatt, kommer eller kan ikke.\n",
                    m.message
                ),
            )
        }
        About::Copy { reference, author, from_org, to, urgent } => {
            crate::domain::message_copy::email(author, from_org, to, &m.message, reference, *urgent)
        }
    };
    let email = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    transport.send(&email).map(|_| ()).map_err(|e| format!("SMTP: {e}"))
}

fn send_sms(sms: &Sms, m: &Outgoing) -> Result<(), String> {
    let text = match &m.about {
        About::Alert { .. } => m.message.clone(),
        About::Copy { reference, author, urgent, .. } => {
            crate::domain::message_copy::sms_text(author, &m.message, reference, *urgent)
        }
    };
    if let Some(command) = &sms.command {
        let fill = |a: &String| a.replace("{to}", &m.address).replace("{text}", &text);
        let (program, args) = command.split_first().ok_or("the SMS command is empty")?;
        let mut child = std::process::Command::new(fill(program))
            .args(args.iter().map(fill))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("SMS-kommandoen {program} kan ikke startes: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        // A command that hangs is stopped: what waits behind it (and `message send`,
        // which delivers before it returns) must not wait for ever.
        let until = std::time::Instant::now() + sms.timeout();
        let status = loop {
            match child.try_wait().map_err(|e| format!("SMS-kommandoen: {e}"))? {
                Some(status) => break status,
                None if std::time::Instant::now() >= until => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("SMS-kommandoen svarte ikke innen {} s", sms.timeout().as_secs()));
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        if status.success() {
            return Ok(());
        }
        let mut why = String::new();
        if let Some(mut err) = child.stderr.take() {
            use std::io::Read;
            let _ = err.read_to_string(&mut why);
        }
        let why = why.lines().next().unwrap_or("").to_string();
        let code = status.code().map_or_else(|| "et signal".to_string(), |c| format!("kode {c}"));
        return Err(format!("SMS-kommandoen avsluttet med {code}: {}", crate::text::safe_line(&why)));
    }
    if let Some(url) = &sms.url {
        return post_form(url, &m.address, &text);
    }
    Err("SMS er ikke satt opp".into())
}

/// A POST of `to` and `text` as a form to an SMS gateway. reqwest's blocking client
/// is not built in, so a small runtime of its own does the one request.
fn post_form(url: &str, to: &str, text: &str) -> Result<(), String> {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                b => format!("%{b:02X}"),
            })
            .collect()
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(20)).build().map_err(|e| e.to_string())?;
        let resp = client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("to={}&text={}", encode(to), encode(text)))
            .send()
            .await
            .map_err(|e| format!("SMS-gatewayen: {e}"))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("SMS-gatewayen svarte {}", resp.status()))
        }
    })
}
