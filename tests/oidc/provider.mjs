// A real OpenID provider for the single sign-on tests: panva's certified
// `oidc-provider`, on 127.0.0.1, started and stopped by the tests themselves.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json: { "clients": [ { client_id, client_secret, redirect_uris } ],
//                "users": { "<sub>": { "name", "email", "groups": [..] } } }
// Prints `issuer http://127.0.0.1:PORT` when it listens. Besides the provider's own
// endpoints (discovery, keys, authorize, token, device authorization) it has:
// - a sign-in page at /interaction/:uid that a test fills in (field `login`: the
//   user's sub), consent given at once;
// - POST /test/users/:sub with JSON { groups?, disabled? }: change a person at the
//   provider (moved to another group, disabled), as an administrator would;
// - POST /test/tamper with JSON { mode }: the id tokens the token endpoint hands out
//   from now on are spoilt, as an attacker or a broken provider would send them:
//   "forged" (signed with another key), "expired", "audience" (for another client),
//   "nonce" (another sign-in's), or "none" (as issued).
import fs from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const users = config.users;

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

// The provider's signing key, and a stranger's for forgeries.
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signing = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
const stranger = (await generateKeyPair('RS256', { extractable: true })).privateKey;
let tamper = 'none';

async function spoil(idToken) {
  const claims = decodeJwt(idToken);
  const { kid } = decodeProtectedHeader(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  if (tamper === 'forged') key = stranger;
  if (tamper === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
  if (tamper === 'audience') claims.aud = 'andre';
  if (tamper === 'nonce') claims.nonce = 'en-annen-innlogging';
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...c,
    })),
    jwks: { keys: [signing] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        userCodeInputSource(ctx, form) {
          ctx.body = page('Kode', `<h1>Skriv inn koden</h1>${form}`);
        },
        userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
          ctx.body = page('Bekreft', `<p>${userCode}</p>${form}`);
        },
        successSource(ctx) {
          ctx.body = page('Ferdig', '<p>Signed in: return to your terminal.</p>');
        },
      },
    },
    pkce: { required: () => true },
    // The person's claims (name, e-mail, groups) in the id token itself, as Entra ID
    // puts groups there, not only at the userinfo endpoint.
    conformIdTokenClaims: false,
    // Short lives, so that tests see refreshes and expiry without waiting long.
    ttl: { AccessToken: 300, IdToken: 300, RefreshToken: 3600, DeviceCode: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    issueRefreshToken: () => true,
    rotateRefreshToken: false,
    async findAccount(ctx, sub) {
      const user = users[sub];
      if (!user || user.disabled) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, name: user.name, email: user.email, email_verified: user.email_verified !== false, groups: user.groups || [] };
        },
      };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Feil', `<p>${out.error}: ${out.error_description || ''}</p>`);
    },
  });
  provider.proxy = false;
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && tamper !== 'none' && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token) };
    }
  });
  const callback = provider.callback();

  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      const test = url.pathname.match(/^\/test\/users\/([^/]+)$/);
      if (test && req.method === 'POST') {
        const change = JSON.parse((await readBody(req)) || '{}');
        const sub = decodeURIComponent(test[1]);
        users[sub] = { ...(users[sub] || {}), ...change };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(users[sub]));
        return;
      }
      if (url.pathname === '/test/tamper' && req.method === 'POST') {
        tamper = JSON.parse((await readBody(req)) || '{}').mode || 'none';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ tamper }));
        return;
      }
      const interaction = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
      if (interaction) {
        const details = await provider.interactionDetails(req, res);
        const { prompt, params, session } = details;
        let accountId = session && session.accountId;
        if (interaction[2] && req.method === 'POST') {
          const form = new URLSearchParams(await readBody(req));
          accountId = form.get('login');
          if (!users[accountId] || users[accountId].disabled) {
            await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unknown or disabled user' });
            return;
          }
        } else if (prompt.name === 'login' || !accountId) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(page('Logg inn', `<form method="post" action="/interaction/${interaction[1]}/login"><input name="login" value=""><button type="submit">Logg inn</button></form>`));
          return;
        }
        // Consent given at once for what the client asked.
        const grant = new provider.Grant({ accountId, clientId: params.client_id });
        grant.addOIDCScope(params.scope);
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
        return;
      }
      callback(req, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err && err.stack || err));
    }
  });
  console.log(`issuer ${issuer}`);
});
