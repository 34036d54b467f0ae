//! Signing in to a sync server from the TUI. The box asks for the server (the last
//! one offered) and, for a sitroom password, the account and the password; with no
//! account named it is the organisation's single sign-on: the box shows the page, the
//! code and a QR code of the page with the code in it, and waits on a thread of its
//! own (`sync::sso::SignIn`) while the person signs in with any browser. Nothing here
//! waits for the network: the logger may close the box and go on writing while the
//! sign-in goes on (the title bar shows its code); once signed in, sync starts and
//! what was written meanwhile goes to the server.

use super::action::{does, Action, Input, Keys};
use super::keymap::Context;
use super::line_edit::LineEdit;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::{centered, clear_for_popup, hints};
use crate::lang::Text;
use crate::sync::sso::{Failure, How, SignIn, Stage};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use std::time::Instant;

/// What the keys do in the sign-in box.
pub const KEYS: Keys = Keys {
    context: Context::SignIn,
    heading: Text::new("Innlogging", "Signing in"),
    groups: &[&[
        does(
            Action::Confirm,
            "Logg inn på serveren / tilbake etter en feil",
            "Sign in at the server / back after a failure",
            "logg inn",
            "sign in",
        ),
        does(Action::NextField, "Neste felt", "Next field", "neste felt", "next field"),
        does(Action::PrevField, "Forrige felt", "Previous field", "forrige felt", "previous field"),
        does(
            Action::Cancel,
            "Lukk (en innlogging som er i gang, fortsetter)",
            "Close (a sign-in under way goes on)",
            "lukk",
            "close",
        ),
        does(Action::StopSignIn, "Avbryt innloggingen", "Stop signing in", "avbryt", "stop"),
    ]],
    hints: &[Action::Confirm, Action::NextField, Action::Cancel, Action::StopSignIn],
};

/// The server's address as typed, without the offered `https://` in front of an
/// address typed in full after it (`https://http://…`).
fn tidy(typed: &str) -> &str {
    let typed = typed.trim();
    match typed.strip_prefix("https://") {
        Some(rest) if rest.starts_with("http://") || rest.starts_with("https://") => rest,
        _ => typed,
    }
}

/// Why a sign-in did not work, for the person at the keyboard.
pub fn failure_said(failure: &Failure, lang: crate::i18n::Lang) -> String {
    match failure {
        Failure::Expired => {
            lang.pick("Ingen logget inn før koden gikk ut.", "Nobody signed in before the code ran out.")
        }
        Failure::Offline(why) => {
            let why = crate::text::safe_line(why);
            crate::say!(lang, "Når ikke serveren: {why}", "Cannot reach the server: {why}")
        }
        // Said in the user's language: the server says it in English.
        Failure::Refused(why) if why.contains("wrong user name or password") => {
            lang.pick("Feil brukernavn eller passord.", "Wrong user name or password.")
        }
        Failure::Refused(why) => {
            let why = crate::text::safe_line(why);
            crate::say!(lang, "Innloggingen ble avvist: {why}", "The sign-in was refused: {why}")
        }
    }
}

/// The box's fields: the server, the account (empty: single sign-on), its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Server,
    User,
    Password,
}

/// The sign-in box, an overlay.
pub struct SignInBox {
    server: LineEdit,
    user: LineEdit,
    password: LineEdit,
    field: Field,
    /// The sign-in under way (the UI holds it too, so it goes on when the box closes).
    running: Option<SignIn>,
    /// The address typed is not one: why.
    error: Option<String>,
    /// What was drawn last: the stage and the minutes left, to redraw when either moves.
    drawn: (Option<Stage>, u64),
}

impl SignInBox {
    /// The box, at the sign-in under way or asking for a server (offering `server`).
    pub fn new(server: &str, running: Option<SignIn>) -> SignInBox {
        let server = if running.is_some() { String::new() } else { server.to_string() };
        SignInBox {
            server: LineEdit::new(server),
            user: LineEdit::default(),
            password: LineEdit::default(),
            field: Field::Server,
            running,
            error: None,
            drawn: (None, 0),
        }
    }

    /// Back to the form from a sign-in that ended (the server and the account kept,
    /// the password to type again).
    fn back_to_form(&mut self) {
        if let Some(running) = self.running.take() {
            self.server = LineEdit::new(running.server.clone());
            self.user = LineEdit::new(running.user.clone());
        }
        self.password = LineEdit::default();
        self.field = if self.user.is_empty() { Field::Server } else { Field::Password };
    }

    /// The fields shown: the password only once an account is named.
    fn fields(&self) -> &'static [Field] {
        if self.user.is_empty() {
            &[Field::Server, Field::User]
        } else {
            &[Field::Server, Field::User, Field::Password]
        }
    }

    fn step(&mut self, forward: bool) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.field).unwrap_or(0);
        let n = fields.len();
        self.field = fields[if forward { (at + 1) % n } else { (at + n - 1) % n }];
    }

    fn line_mut(&mut self) -> &mut LineEdit {
        match self.field {
            Field::Server => &mut self.server,
            Field::User => &mut self.user,
            Field::Password => &mut self.password,
        }
    }

    fn stage(&self) -> Option<Stage> {
        self.running.as_ref().map(SignIn::stage)
    }

    /// Start signing in at the server typed.
    fn start(&mut self, cx: &mut Cx<'_>) {
        let url = match crate::sync::client::server_url(tidy(self.server.text())) {
            Ok(url) => url,
            Err(e) => {
                self.error = Some(e.to_string());
                return;
            }
        };
        let store = &cx.session.store;
        let (origin, key) = match (store.device_id(), store.signing_key()) {
            (Ok(origin), Ok(key)) => (origin, key),
            (Err(e), _) | (_, Err(e)) => {
                cx.post(UiEvent::Error(e.to_string()));
                return;
            }
        };
        let user = self.user.text().trim().to_string();
        let how = if user.is_empty() {
            How::Sso { provider: String::new() }
        } else if self.password.is_empty() {
            self.field = Field::Password;
            self.error = Some(cx.lang.pick("Skriv passordet", "Type the password"));
            return;
        } else {
            How::Password { user, password: self.password.take() }
        };
        self.error = None;
        let sign_in = SignIn::start(url, how, cx.session.device.clone(), origin, key);
        self.running = Some(sign_in.clone());
        cx.post(UiEvent::SigningIn(Some(sign_in)));
    }

    fn stop(&mut self, cx: &mut Cx<'_>) {
        if let Some(running) = &self.running {
            running.stop();
            self.back_to_form();
            cx.post(UiEvent::SigningIn(None));
            cx.post(UiEvent::Status(cx.lang.pick("Innloggingen er avbrutt", "Signing in stopped")));
        }
    }

    fn minutes_left(&self, now: Instant) -> u64 {
        match self.stage() {
            Some(Stage::Waiting(shown)) => shown.until.saturating_duration_since(now).as_secs().div_ceil(60),
            _ => 0,
        }
    }
}

impl Pane for SignInBox {
    fn context(&self) -> Context {
        Context::SignIn
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        match (input, self.stage()) {
            (Input::Action(Action::Cancel), _) => cx.post(UiEvent::CloseOverlay),
            (Input::Action(Action::StopSignIn), Some(Stage::Starting | Stage::Waiting(_))) => self.stop(cx),
            // Signed in: the box stays until closed, so that an Enter pressed on
            // coming back from the browser does not land in the entry line and
            // write the draft.
            (Input::Action(Action::Confirm), Some(Stage::Done)) => cx.post(UiEvent::CloseOverlay),
            (Input::Action(Action::Confirm), None) => self.start(cx),
            // The code ran out, the server could not be reached, the password was
            // wrong: back to the form, to try again or change what was typed.
            (Input::Action(Action::Confirm), Some(Stage::Failed(_))) => {
                self.back_to_form();
                cx.post(UiEvent::SigningIn(None));
            }
            (Input::Action(Action::NextField), None) => self.step(true),
            (Input::Action(Action::PrevField), None) => self.step(false),
            // Waiting: the thread looks every few seconds by itself; an Enter pressed
            // on coming back from the browser starts nothing anew.
            (Input::Action(Action::Confirm), Some(_)) => {}
            (Input::Edit(key), None) => {
                self.error = None;
                return if self.line_mut().key(&key) { Outcome::Consumed } else { Outcome::Ignored };
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        if self.running.is_some() {
            return Outcome::Ignored;
        }
        let text = text.lines().next().unwrap_or("").trim();
        // A whole address pasted over the offered start of one replaces it.
        if self.field == Field::Server && self.server.text() == "https://" && text.contains("://") {
            self.server = LineEdit::default();
        }
        self.line_mut().insert(text);
        Outcome::Consumed
    }

    fn tick(&mut self, _cx: &mut Cx<'_>, now: Instant, _shown: bool) -> bool {
        let drawn = (self.stage(), self.minutes_left(now));
        if drawn == self.drawn {
            return false;
        }
        self.drawn = drawn;
        true
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let stage = self.stage();
        let qr = match &stage {
            Some(Stage::Waiting(shown)) => crate::qr::lines(&shown.complete),
            _ => Vec::new(),
        };
        let qr_width = qr.first().map_or(0, |l| l.chars().count() as u16);
        // The QR code beside the words where the screen has room for both, else the
        // words alone (the page and the code are enough to sign in).
        let with_qr = qr_width > 0 && area.width >= qr_width + 44 && area.height >= qr.len() as u16 + 2;
        let width =
            if with_qr { (qr_width + 46).min(area.width) } else { area.width.saturating_sub(4).min(72) };
        let words_width = width.saturating_sub(2 + if with_qr { qr_width + 1 } else { 0 });
        let mut lines: Vec<Line> = Vec::new();
        let plain = |s: String| Line::from(Span::styled(s, t.base));
        match &stage {
            None => {
                lines.push(plain(lang.pick(
                    "Logg inn på en synkroniseringsserver. Uten bruker: organisasjonens innlogging (single sign-on), i en nettleser på hvilken som helst enhet. Med bruker: sitroom-passordet.",
                    "Sign in to a sync server. With no account named: your organisation's sign-in (single sign-on), in a browser on any device. With an account: its sitroom password.",
                )));
                lines.push(Line::default());
                for &field in self.fields() {
                    let (label, line) = match field {
                        Field::Server => (lang.pick("Tjener:", "Server:"), &self.server),
                        Field::User => (lang.pick("Bruker:", "Account:"), &self.user),
                        Field::Password => (lang.pick("Passord:", "Password:"), &self.password),
                    };
                    let focused = field == self.field;
                    let mark = if focused { "▶ " } else { "  " };
                    let mut spans = vec![Span::styled(format!("{mark}{label:<10}"), t.heading)];
                    match (field, focused) {
                        // The password shows as dots, as many as typed.
                        (Field::Password, _) => {
                            spans.push(Span::styled("•".repeat(line.text().chars().count()), t.base));
                            if focused {
                                spans.push(Span::styled("▏", t.key));
                            }
                        }
                        (_, true) => spans.extend(line.spans(t.base, t.key)),
                        (_, false) => {
                            spans.push(Span::styled(crate::text::safe_line(line.text()).into_owned(), t.base))
                        }
                    }
                    lines.push(Line::from(spans));
                }
                if let Some(e) = &self.error {
                    lines.push(Line::from(Span::styled(crate::text::safe_line(e).into_owned(), t.error)));
                }
            }
            Some(Stage::Starting) => {
                let running = self.running.as_ref();
                let server = crate::text::safe_line(running.map_or("", |r| &r.server)).into_owned();
                lines.push(plain(if running.is_some_and(|r| !r.user.is_empty()) {
                    crate::say!(lang, "Logger inn på {server} …", "Signing in at {server} …")
                } else {
                    crate::say!(lang, "Spør {server} om en kode …", "Asking {server} for a code …")
                }));
            }
            Some(Stage::Waiting(shown)) => {
                lines.push(plain(lang.pick(
                    "Åpne i en nettleser, på hvilken som helst enhet:",
                    "Open in a browser, on any device:",
                )));
                lines.push(Line::from(Span::styled(format!("  {}", shown.page), t.key)));
                lines.push(plain(lang.pick("og skriv koden", "and type the code")));
                lines.push(Line::default());
                lines.push(Line::from(Span::styled(format!("  {}", shown.code), t.heading)));
                lines.push(Line::default());
                if with_qr {
                    lines.push(plain(lang.pick(
                        "— eller skann QR-koden med telefonen.",
                        "— or scan the QR code with your phone.",
                    )));
                    lines.push(Line::default());
                }
                let left = self.minutes_left(Instant::now());
                lines.push(Line::from(Span::styled(
                    crate::say!(
                        lang,
                        "Venter på at du logger inn (koden gjelder {left} min til) …",
                        "Waiting for you to sign in (the code works {left} min more) …"
                    ),
                    t.dim,
                )));
            }
            Some(Stage::Done) => lines.push(plain(lang.pick(
                "Logget inn; synkroniseringen har startet. Enter eller Esc lukker.",
                "Signed in; sync has started. Enter or Esc closes this.",
            ))),
            Some(Stage::Failed(failure)) => {
                lines.push(Line::from(Span::styled(failure_said(failure, lang), t.error)));
                lines.push(plain(lang.pick(
                    "Enter: tilbake til skjemaet (prøv igjen, eller logg inn med bruker og passord).",
                    "Enter: back to the form (try again, or sign in with an account and password).",
                )));
            }
        }
        lines.push(Line::default());
        lines.push(Line::from(hints(cx, Context::SignIn, KEYS.hints, words_width as usize)));
        // Rows the words take when wrapped, roughly (a word may push a line over).
        let rows: u16 = lines
            .iter()
            .map(|l| (l.width() as u16).div_ceil(words_width.max(1)).max(1))
            .sum::<u16>()
            .max(if with_qr { qr.len() as u16 } else { 0 });
        let popup = centered(area, width, rows + 2);
        clear_for_popup(f, popup, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(format!(" {} ", lang.pick("Logg inn", "Sign in")), t.heading));
        let inner = block.inner(popup);
        f.render_widget(block, popup);
        let words = if with_qr {
            let [words, _, code] =
                Layout::horizontal([Constraint::Min(1), Constraint::Length(1), Constraint::Length(qr_width)])
                    .areas(inner);
            // Light blocks on the terminal's own background, whichever it is: phones read
            // either way round.
            let code_lines: Vec<Line> = qr.into_iter().map(|l| Line::from(Span::raw(l))).collect();
            f.render_widget(Paragraph::new(code_lines), code);
            words
        } else {
            inner
        };
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), words);
    }
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn an_address_typed_after_the_offered_start_replaces_it() {
        assert_eq!(tidy("https://http://127.0.0.1:7878"), "http://127.0.0.1:7878");
        assert_eq!(tidy(" https://https://sitroom.kommune.no "), "https://sitroom.kommune.no");
        assert_eq!(tidy("https://sitroom.kommune.no"), "https://sitroom.kommune.no");
        assert_eq!(tidy("https://httpd.kommune.no"), "https://httpd.kommune.no");
    }
}
