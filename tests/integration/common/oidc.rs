//! A real OpenID provider for the tests (panva's `oidc-provider`, run by Node.js from
//! `tests/oidc/provider.mjs`), and a small browser that follows redirects, keeps
//! cookies and fills in forms, as a person signing in would.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Provider {
    child: Child,
    pub issuer: String,
    _dir: tempfile::TempDir,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// A loopback port free a moment ago (the sitroom server's address must be in the
/// provider's client registration before either starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Provider {
    /// A provider with one client `sitroom` (this secret, redirecting to `callback`)
    /// and these people: (sub, name, email, groups).
    pub fn start(callback: &str, people: &[(&str, &str, &str, &[&str])]) -> Provider {
        super::tool("node", "nodejs");
        assert!(
            oidc_dir().join("node_modules/oidc-provider").is_dir(),
            "the test provider is not installed: run `bash .ci/run` (it runs `npm ci` in tests/oidc), \
             or `cd tests/oidc && npm ci`"
        );
        let dir = tempfile::tempdir().unwrap();
        let users: serde_json::Map<String, serde_json::Value> = people
            .iter()
            .map(|(sub, name, email, groups)| {
                (sub.to_string(), serde_json::json!({"name": name, "email": email, "groups": groups}))
            })
            .collect();
        let config = serde_json::json!({
            "clients": [
                {"client_id": "sitroom", "client_secret": SECRET, "redirect_uris": [callback]},
                {"client_id": "andre", "client_secret": SECRET, "redirect_uris": [callback]},
            ],
            "users": users,
        });
        let path = dir.path().join("provider.json");
        std::fs::write(&path, config.to_string()).unwrap();
        let mut child = Command::new("node")
            .arg(oidc_dir().join("provider.mjs"))
            .arg(&path)
            .current_dir(oidc_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let issuer = line
            .trim()
            .strip_prefix("issuer ")
            .unwrap_or_else(|| panic!("the provider said {line:?}"))
            .to_string();
        Provider { child, issuer, _dir: dir }
    }

    /// Spoil the id tokens the provider hands out from now on: "forged", "expired",
    /// "audience", "nonce", or "none".
    pub fn tamper(&self, mode: &str) {
        self.post("/test/tamper", serde_json::json!({ "mode": mode }));
    }

    /// Change a person at the provider (groups, disabled), as its administrator would.
    pub fn change(&self, sub: &str, change: serde_json::Value) {
        self.post(&format!("/test/users/{sub}"), change);
    }

    fn post(&self, path: &str, body: serde_json::Value) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let status = rt.block_on(async {
            reqwest::Client::new()
                .post(format!("{}{path}", self.issuer))
                .body(body.to_string())
                .send()
                .await
                .unwrap()
                .status()
        });
        assert!(status.is_success());
    }
}

pub const SECRET: &str = "et-langt-hemmelig-passord-for-klienten-sitroom";

/// A page as the browser got it.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: String,
    pub status: u16,
    pub body: String,
}

/// Cookies (one jar: everything is 127.0.0.1), redirects followed by hand.
pub struct Browser {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl Default for Browser {
    fn default() -> Self {
        Browser::new()
    }
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            rt: tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
            // A new connection each time: the test server closes idle ones after two
            // seconds, and a reused closed one fails the request.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    pub fn open(&mut self, url: &str) -> Page {
        self.go(reqwest::Method::GET, url, None)
    }

    /// Where `url` sends the browser (its Location), without going there; cookies kept.
    pub fn location(&mut self, url: &str) -> Option<String> {
        let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let req = self.http.get(url).header("cookie", cookie.join("; "));
        let (location, set) = self.rt.block_on(async {
            let resp = req.send().await.unwrap();
            (header(&resp, "location"), set_cookies(&resp))
        });
        self.keep(set);
        location
    }

    fn keep(&mut self, set: Vec<String>) {
        for c in set {
            let pair = c.split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || c.to_lowercase().contains("expires=thu, 01 jan 1970") {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies.insert(k.trim().to_string(), v.to_string());
                }
            }
        }
    }

    fn go(&mut self, method: reqwest::Method, url: &str, form: Option<Vec<(String, String)>>) -> Page {
        let (mut method, mut url, mut form) = (method, url.to_string(), form);
        for _ in 0..20 {
            let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let mut req = self.http.request(method.clone(), &url).header("cookie", cookie.join("; "));
            if let Some(f) = &form {
                req = req.form(f);
            }
            let (status, location, set, body) = self.rt.block_on(async {
                let resp = req.send().await.unwrap();
                let (status, location, set) =
                    (resp.status().as_u16(), header(&resp, "location"), set_cookies(&resp));
                (status, location, set, resp.text().await.unwrap())
            });
            self.keep(set);
            match (status, location) {
                (301 | 302 | 303 | 307 | 308, Some(to)) => {
                    url = url::Url::parse(&url).unwrap().join(&to).unwrap().to_string();
                    if status != 307 && status != 308 {
                        method = reqwest::Method::GET;
                        form = None;
                    }
                }
                _ => return Page { url, status, body },
            }
        }
        panic!("more than 20 redirects from {url}");
    }

    /// Submit the page's first form, with `fields` set (its hidden fields as they are).
    pub fn submit(&mut self, page: &Page, fields: &[(&str, &str)]) -> Page {
        let body = &page.body;
        let start = body.find("<form").unwrap_or_else(|| panic!("no form on {}: {body}", page.url));
        let end = body[start..].find("</form>").map(|e| start + e).unwrap_or(body.len());
        let form = &body[start..end];
        let tag_end = form.find('>').unwrap();
        let action = attr(&form[..tag_end], "action").unwrap_or_default();
        let method = attr(&form[..tag_end], "method").unwrap_or_else(|| "get".into()).to_lowercase();
        let mut values: Vec<(String, String)> = Vec::new();
        let mut rest = &form[tag_end..];
        while let Some(i) = rest.find("<input") {
            let close = rest[i..].find('>').map(|c| i + c).unwrap_or(rest.len());
            let tag = &rest[i..close];
            if let Some(name) = attr(tag, "name") {
                values.push((name, attr(tag, "value").unwrap_or_default()));
            }
            rest = &rest[close..];
        }
        for (k, v) in fields {
            match values.iter_mut().find(|(n, _)| n == k) {
                Some(slot) => slot.1 = v.to_string(),
                None => values.push((k.to_string(), v.to_string())),
            }
        }
        let target = url::Url::parse(&page.url).unwrap().join(&action.replace("&amp;", "&")).unwrap();
        if method == "post" {
            self.go(reqwest::Method::POST, target.as_str(), Some(values))
        } else {
            let mut target = target;
            target.query_pairs_mut().clear().extend_pairs(values.iter());
            self.go(reqwest::Method::GET, target.as_str(), None)
        }
    }
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get(name).map(|l| l.to_str().unwrap().to_string())
}

fn set_cookies(resp: &reqwest::Response) -> Vec<String> {
    resp.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_string()).collect()
}

/// An attribute's value in a tag (double or single quotes).
fn attr(tag: &str, name: &str) -> Option<String> {
    for q in ['"', '\''] {
        let key = format!(" {name}={q}");
        if let Some(i) = tag.find(&key) {
            let from = i + key.len();
            let to = tag[from..].find(q)? + from;
            return Some(tag[from..to].replace("&amp;", "&"));
        }
    }
    None
}
