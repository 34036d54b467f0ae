//! The `[sso]` section of the server's config file (`sitroom serve --config
//! serve.toml`): where browsers reach this server, and one `[[sso.provider]]` per
//! identity provider, each belonging to one organisation.
//!
//! ```toml
//! [sso]
//! public_url = "https://sitroom.kommune.no"
//! recheck = "15m"
//!
//! [[sso.provider]]
//! name = "entra"
//! org = "Sandefjord kommune"
//! issuer = "https://login.microsoftonline.com/<tenant>/v2.0"
//! client_id = "…"
//! client_secret_file = "/etc/sitroom/entra.secret"
//! roles_claim = "groups"
//! subject = "entra"
//! ```
//!
//! A mistake is a warning, not a refusal to start: a provider that cannot be used is
//! left out and said so; the rest (passwords, SSH keys) keeps working.

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoConfig {
    /// The address people's browsers reach this server at: sign-in pages are under
    /// it, and the provider sends them back to `PUBLIC_URL/sso/callback`.
    pub public_url: String,
    /// How often the server asks each provider again about the people signed in
    /// through it ("15m", "1h"): their groups are read anew, and a person disabled
    /// there loses access (sessions ended, SSH included) within this long.
    #[serde(default = "recheck")]
    pub recheck: String,
    #[serde(default, rename = "provider")]
    pub providers: Vec<ProviderConfig>,
}

fn recheck() -> String {
    "15m".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// A short name, as people choose a provider (`sitroom login --sso --provider NAME`).
    pub name: String,
    /// The organisation whose people sign in through it.
    pub org: String,
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The secret in a file of its own (mode 0600), rather than in the config.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    #[serde(default = "scopes")]
    pub scopes: Vec<String>,
    /// The claim that carries the person's groups or app roles ("groups", "roles").
    #[serde(default = "roles_claim")]
    pub roles_claim: String,
    /// Accepted authentication levels (`acr`); empty: whatever the provider did.
    #[serde(default)]
    pub acr_values: Vec<String>,
    /// Which claims name the person for good: `sub` (the standard), or `entra`
    /// (Microsoft Entra ID's tenant and object ids, `tid` + `oid`, which stay when a
    /// person's sign-in name or e-mail changes).
    #[serde(default)]
    pub subject: Subject,
    /// Use the provider's own device grant (RFC 8628) when its discovery document
    /// offers one: the person opens the provider's page and types its code, and the
    /// server need not be reachable from their browser. `false` where the provider
    /// blocks it (some Entra tenants): the server's own page then, as with providers
    /// that have none (ID-porten).
    #[serde(default = "yes")]
    pub device_flow: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    #[default]
    Sub,
    Entra,
}

fn scopes() -> Vec<String> {
    ["openid", "profile", "email", "offline_access"].map(String::from).to_vec()
}

fn roles_claim() -> String {
    "groups".into()
}

/// The server's config file, of which this reads `[sso]` (`server::config` reads
/// the rest).
#[derive(Debug, Default, Deserialize)]
struct ServeFile {
    sso: Option<toml::Value>,
}

impl ProviderConfig {
    /// The client secret, from the config or its file.
    pub fn secret(&self) -> Result<Option<String>, String> {
        match (&self.client_secret, &self.client_secret_file) {
            (Some(_), Some(_)) => Err("give client_secret or client_secret_file, not both".into()),
            (Some(s), None) => Ok(Some(s.clone())),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|s| Some(s.trim().to_string()))
                .map_err(|e| format!("cannot read client_secret_file {}: {e}", path.display())),
            (None, None) => Ok(None),
        }
    }

    fn check(&self) -> Result<(), String> {
        if self.name.is_empty()
            || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!("provider name '{}' must be letters, digits, - or _", self.name));
        }
        let issuer = url::Url::parse(&self.issuer).map_err(|e| format!("issuer '{}': {e}", self.issuer))?;
        if issuer.scheme() != "https" && !loopback(&issuer) {
            return Err(format!("issuer '{}' must be https (plain http only on this machine)", self.issuer));
        }
        if !self.scopes.iter().any(|s| s == "openid") {
            return Err("scopes must include openid".into());
        }
        self.secret().map(|_| ())
    }
}

/// Plain http is allowed only for addresses on this machine (tests, a provider beside
/// the server).
pub fn loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// Read the `[sso]` section of `text`; what is wrong comes back as warnings, with
/// the parts that can be used.
pub fn parse(text: &str) -> (Option<SsoConfig>, Vec<String>) {
    let mut warnings = Vec::new();
    let file: ServeFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            warnings.push(format!("the server's config file cannot be read: {e}"));
            return (None, warnings);
        }
    };
    let Some(sso) = file.sso else { return (None, warnings) };
    // Providers one by one, so that one mistake leaves the others working.
    let raw: Vec<toml::Value> = sso.get("provider").and_then(|p| p.as_array()).cloned().unwrap_or_default();
    let mut head = sso.clone();
    if let Some(t) = head.as_table_mut() {
        t.remove("provider");
    }
    let mut config: SsoConfig = match head.try_into() {
        Ok(c) => c,
        Err(e) => {
            warnings.push(format!("[sso] cannot be used, single sign-on is off: {e}"));
            return (None, warnings);
        }
    };
    match url::Url::parse(&config.public_url) {
        Ok(u) if u.scheme() == "https" || loopback(&u) => {}
        Ok(_) => {
            warnings.push(format!(
                "[sso] public_url '{}' must be https (plain http only on this machine); single sign-on is off",
                config.public_url
            ));
            return (None, warnings);
        }
        Err(e) => {
            warnings.push(format!("[sso] public_url '{}': {e}; single sign-on is off", config.public_url));
            return (None, warnings);
        }
    }
    config.public_url = config.public_url.trim_end_matches('/').to_string();
    if let Err(e) = crate::domain::time::parse_interval(&config.recheck) {
        warnings.push(format!("[sso] recheck: {e}; checking every 15 minutes"));
        config.recheck = recheck();
    }
    for (i, p) in raw.into_iter().enumerate() {
        let provider: Result<ProviderConfig, String> =
            p.try_into().map_err(|e: toml::de::Error| e.to_string());
        match provider.and_then(|p| p.check().map(|_| p)) {
            Ok(p) if config.providers.iter().any(|q| q.name == p.name) => {
                warnings.push(format!("[[sso.provider]] {}: the name '{}' is taken; left out", i + 1, p.name))
            }
            Ok(p) => config.providers.push(p),
            Err(e) => warnings.push(format!("[[sso.provider]] {}: {e}; left out", i + 1)),
        }
    }
    (Some(config), warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [sso]
        public_url = "https://sitroom.kommune.no/"

        [[sso.provider]]
        name = "entra"
        org = "Sandefjord kommune"
        issuer = "https://login.microsoftonline.com/abc/v2.0"
        client_id = "id"
        client_secret = "s"
        subject = "entra"
    "#;

    #[test]
    fn a_provider_with_defaults() {
        let (c, w) = parse(GOOD);
        assert!(w.is_empty(), "{w:?}");
        let c = c.unwrap();
        assert_eq!(c.public_url, "https://sitroom.kommune.no");
        assert_eq!(c.recheck, "15m");
        let p = &c.providers[0];
        assert_eq!(p.subject, Subject::Entra);
        assert_eq!(p.roles_claim, "groups");
        assert!(p.scopes.contains(&"openid".to_string()));
    }

    #[test]
    fn mistakes_are_warnings_and_leave_the_rest() {
        let text = format!(
            "{GOOD}\n[[sso.provider]]\nname = \"idporten\"\norg = \"X\"\nissuer = \"http://idporten.no\"\nclient_id = \"a\"\n\n[[sso.provider]]\nname = \"typo\"\norg = \"X\"\nissuer = \"https://x.no\"\nclient_idd = \"a\"\n"
        );
        let (c, w) = parse(&text);
        let c = c.unwrap();
        assert_eq!(c.providers.len(), 1, "the good one stays");
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("must be https"), "{w:?}");
        assert!(w[1].contains("client_idd"), "{w:?}");
        let (c, w) = parse("[sso]\npublic_url = \"http://example.no\"\n");
        assert!(c.is_none() && w[0].contains("https"), "{w:?}");
        let (c, w) = parse("not = [toml");
        assert!(c.is_none() && w[0].contains("cannot be read"), "{w:?}");
        assert!(parse("").0.is_none() && parse("").1.is_empty(), "no [sso]: off, quietly");
    }
}
