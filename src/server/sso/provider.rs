//! One identity provider as the server talks to it: its discovery document and
//! signing keys (fetched, cached for an hour, fetched again at once when a token is
//! signed with a key not yet seen: providers rotate keys), the authorization code
//! flow with PKCE, and the verified claims of the id tokens it issues.
//!
//! The checks on an id token are openidconnect's: signature against the provider's
//! published keys, issuer, audience (this client), expiry, nonce; here only the
//! accepted authentication levels (`acr`) are added.

use super::config::{ProviderConfig, Subject};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreDeviceAuthorizationResponse, CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthenticationFlow, AuthorizationCode, Client, ClientId,
    ClientSecret, CsrfToken, DeviceAuthorizationUrl, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IdTokenClaims, IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadata, RedirectUrl, RefreshToken, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every claim of an id token beyond the standard ones (groups, roles, tid, oid …).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Extra {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for Extra {}

type Fields = IdTokenFields<
    Extra,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type OidcClient = Client<
    Extra,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What discovery says beyond the core: whether the provider has its own device
/// authorization grant (RFC 8628), and where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceEndpoint {
    #[serde(default)]
    device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
}

impl AdditionalProviderMetadata for DeviceEndpoint {}

type Metadata = ProviderMetadata<
    DeviceEndpoint,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A sign-in through the provider's own device grant: what the person is shown, and
/// what the server polls the provider with.
#[derive(Clone)]
pub struct Device {
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: Duration,
    details: CoreDeviceAuthorizationResponse,
}

/// How long a discovery document (and its keys) is trusted before it is fetched again.
const FRESH: Duration = Duration::from_secs(3600);

/// Why a sign-in through a provider did not work, in words for the person.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SsoError {
    /// The provider cannot be reached or answers nonsense: try again, or sign in with
    /// a password (break-glass).
    #[error("the identity provider cannot be reached: {0}")]
    Unreachable(String),
    /// The provider said no (the person cancelled, is disabled, the grant is gone).
    #[error("the identity provider refused: {0}")]
    Refused(String),
    /// What came back does not hold up (signature, audience, nonce, expiry, level).
    #[error("the sign-in does not hold up: {0}")]
    Invalid(String),
}

/// A person as a verified id token names them.
#[derive(Debug, Clone)]
pub struct Person {
    pub issuer: String,
    /// The provider's stable name for the person (`sub`, or Entra's `tid/oid`).
    pub subject: String,
    /// A name to make an account name of (the sign-in name, the e-mail, the name).
    pub hint: String,
    /// What an administrator's link by name may match (lowercase): the sign-in name,
    /// and the e-mail if the provider has verified it. Never the display name, which
    /// people often may change themselves.
    pub link_names: Vec<String>,
    pub display: Option<String>,
    pub groups: Vec<String>,
    pub acr: Option<String>,
    /// The provider's refresh token, if it gave one: how the server asks again later.
    pub refresh: Option<String>,
}

/// What a started sign-in must keep until the provider sends the browser back (kept
/// by the store: the way back may reach another server).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

pub struct Provider {
    pub config: ProviderConfig,
    secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    http: reqwest::Client,
    discovered: tokio::sync::Mutex<Option<Discovered>>,
}

/// The client as discovery set it up, when, and the provider's device endpoint.
#[derive(Clone)]
struct Discovered {
    client: Arc<OidcClient>,
    at: Instant,
    device: Option<DeviceAuthorizationUrl>,
}

fn unreachable(e: impl std::fmt::Display) -> SsoError {
    SsoError::Unreachable(e.to_string())
}

impl Provider {
    pub fn new(config: ProviderConfig, public_url: &str) -> Result<Provider, String> {
        let secret = config.secret()?.map(ClientSecret::new);
        let redirect =
            RedirectUrl::new(format!("{public_url}/sso/callback")).map_err(|e| format!("public_url: {e}"))?;
        // Never follow redirects on calls that carry the client's secret or a code.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Provider { config, secret, redirect, http, discovered: tokio::sync::Mutex::new(None) })
    }

    /// The client, from the discovery document (fetched anew when older than an hour,
    /// or when `again`).
    async fn client(&self, again: bool) -> Result<Arc<OidcClient>, SsoError> {
        Ok(self.discovered(again).await?.client)
    }

    async fn discovered(&self, again: bool) -> Result<Discovered, SsoError> {
        // The lock is held only to look and to store: a slow or absent provider makes
        // each browser wait for its own fetch, not for everyone's before it.
        if let Some(d) = self.discovered.lock().await.as_ref() {
            if !again && d.at.elapsed() < FRESH {
                return Ok(d.clone());
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(unreachable)?;
        let metadata = Metadata::discover_async(issuer, &self.http).await.map_err(|e| {
            let mut said = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                said.push_str(&format!(": {s}"));
                source = s.source();
            }
            SsoError::Unreachable(said)
        })?;
        let device = metadata.additional_metadata().device_authorization_endpoint.clone();
        let client = Arc::new(
            OidcClient::from_provider_metadata(
                metadata,
                ClientId::new(self.config.client_id.clone()),
                self.secret.clone(),
            )
            .set_redirect_uri(self.redirect.clone()),
        );
        let d = Discovered { client, at: Instant::now(), device };
        *self.discovered.lock().await = Some(d.clone());
        Ok(d)
    }

    /// Start a sign-in through the provider's own device grant, if it has one and the
    /// config does not say no (Entra tenants may block it; ID-porten has none).
    pub async fn device_start(&self) -> Result<Option<Device>, SsoError> {
        if !self.config.device_flow {
            return Ok(None);
        }
        let d = self.discovered(false).await?;
        let Some(url) = d.device.clone() else { return Ok(None) };
        let client = (*d.client).clone().set_device_authorization_url(url);
        let mut request = client.exchange_device_code();
        for scope in self.config.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let details: CoreDeviceAuthorizationResponse =
            request.request_async(&self.http).await.map_err(token_error)?;
        Ok(Some(Device {
            user_code: details.user_code().secret().clone(),
            verification_uri: details.verification_uri().to_string(),
            verification_uri_complete: details
                .verification_uri_complete()
                .map(|u| u.secret().clone())
                .unwrap_or_else(|| details.verification_uri().to_string()),
            expires_in: details.expires_in(),
            details,
        }))
    }

    /// Wait (polling the provider as it asks) until the person has signed in through
    /// the device grant, refused, or the code expired.
    pub async fn device_finish(&self, device: &Device) -> Result<Person, SsoError> {
        let d = self.discovered(false).await?;
        let client = d.client.clone();
        let tokens = client
            .exchange_device_access_token(&device.details)
            .map_err(unreachable)?
            .request_async(&self.http, tokio::time::sleep, Some(device.expires_in))
            .await
            .map_err(token_error)?;
        // No nonce in the device grant: the token came straight from the provider.
        self.person(client, &tokens, None).await
    }

    /// Where to send the browser to sign in, and what to keep for the way back.
    pub async fn begin(&self) -> Result<Begun, SsoError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.config.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        for acr in &self.config.acr_values {
            request =
                request.add_auth_context_value(openidconnect::AuthenticationContextClass::new(acr.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
        })
    }

    /// The code the provider sent back, exchanged and its id token verified.
    pub async fn finish(&self, code: &str, begun: &Begun) -> Result<Person, SsoError> {
        let client = self.client(false).await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(unreachable)?
            .set_pkce_verifier(PkceCodeVerifier::new(begun.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        self.person(client, &tokens, Some(&begun.nonce)).await
    }

    /// Ask the provider again with a refresh token: the person as it knows them now
    /// (groups re-read), or refused when they are disabled or removed there.
    pub async fn refresh(&self, refresh: &str) -> Result<Person, SsoError> {
        let client = self.client(false).await?;
        let token = RefreshToken::new(refresh.to_string());
        let tokens = client
            .exchange_refresh_token(&token)
            .map_err(unreachable)?
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let mut person = self.person(client, &tokens, None).await?;
        // A provider that does not turn refresh tokens keeps the old one valid.
        person.refresh = person.refresh.or_else(|| Some(refresh.to_string()));
        Ok(person)
    }

    async fn person(
        &self,
        client: Arc<OidcClient>,
        tokens: &Tokens,
        nonce: Option<&str>,
    ) -> Result<Person, SsoError> {
        let Some(id_token) = tokens.id_token() else {
            return Err(SsoError::Invalid("the provider sent no id token".into()));
        };
        let verify = |client: &OidcClient| {
            let accepted = self.config.acr_values.clone();
            let verifier = client.id_token_verifier().set_auth_context_verifier_fn(move |acr| {
                if accepted.is_empty() {
                    return Ok(());
                }
                match acr {
                    Some(a) if accepted.iter().any(|x| x == a.as_str()) => Ok(()),
                    Some(a) => Err(format!("authentication level '{}' is not accepted here", a.as_str())),
                    None => Err("the provider did not say how the person authenticated (acr)".into()),
                }
            });
            match nonce {
                Some(n) => id_token.claims(&verifier, &Nonce::new(n.to_string())).cloned(),
                // A refreshed id token carries no nonce of ours (OpenID Connect Core 12.2).
                None => id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())).cloned(),
            }
        };
        let claims = match verify(&client) {
            Ok(c) => c,
            // Signed with a key not seen yet: the provider may have rotated its keys.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.client(true).await?;
                verify(&fresh).map_err(|e| SsoError::Invalid(e.to_string()))?
            }
            Err(e) => return Err(SsoError::Invalid(e.to_string())),
        };
        self.claims_person(&claims, tokens.refresh_token().map(|r| r.secret().clone()))
    }

    fn claims_person(
        &self,
        claims: &IdTokenClaims<Extra, CoreGenderClaim>,
        refresh: Option<String>,
    ) -> Result<Person, SsoError> {
        let extra = &claims.additional_claims().claims;
        let text = |name: &str| extra.get(name).and_then(|v| v.as_str()).map(str::to_string);
        let subject = match self.config.subject {
            Subject::Sub => claims.subject().as_str().to_string(),
            Subject::Entra => match (text("tid"), text("oid")) {
                (Some(t), Some(o)) => format!("{t}/{o}"),
                _ => return Err(SsoError::Invalid("the id token lacks Entra's tid and oid claims".into())),
            },
        };
        let groups = match extra.get(&self.config.roles_claim) {
            Some(serde_json::Value::Array(a)) => {
                a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
            }
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        let display = claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string());
        // What to name a new account after: the sign-in name, the e-mail, the name;
        // never what looks like a national identity number (eleven digits).
        let identity_number = |s: &String| {
            let local = s.split('@').next().unwrap_or(s);
            local.len() == 11 && local.chars().all(|c| c.is_ascii_digit())
        };
        let hint = [
            claims.preferred_username().map(|u| u.as_str().to_string()),
            claims.email().map(|e| e.as_str().to_string()),
            display.clone(),
        ]
        .into_iter()
        .flatten()
        .find(|h| !identity_number(h))
        .unwrap_or_else(|| "bruker".into());
        let mut link_names: Vec<String> =
            claims.preferred_username().map(|u| u.as_str().to_lowercase()).into_iter().collect();
        if claims.email_verified() == Some(true) {
            link_names.extend(claims.email().map(|e| e.as_str().to_lowercase()));
        }
        Ok(Person {
            issuer: claims.issuer().as_str().to_string(),
            subject,
            hint,
            link_names,
            display,
            groups,
            acr: claims.auth_context_ref().map(|a| a.as_str().to_string()),
            refresh,
        })
    }
}

/// A failed token call in words: the provider's own error, or that it is unreachable.
fn token_error<E: std::error::Error, T: openidconnect::ErrorResponseType + std::fmt::Display>(
    e: openidconnect::RequestTokenError<E, StandardErrorResponse<T>>,
) -> SsoError {
    match e {
        openidconnect::RequestTokenError::ServerResponse(r) => {
            SsoError::Refused(match r.error_description() {
                Some(d) => format!("{} ({d})", r.error()),
                None => r.error().to_string(),
            })
        }
        other => SsoError::Unreachable(other.to_string()),
    }
}
