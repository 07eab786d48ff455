/**
 * THE settings table: one row per setting of `switchboard serve`. The zod schema (src/config.ts),
 * the flags and `--help` (src/cli/setting-options.ts), the environment variables, the config file
 * keys, the programmatic options (src/server/start-switchboard.ts) and docs/settings.md
 * (`npm run docs`) are all derived from it: adding a setting is adding a row.
 */
import { allowEntryValid } from '../net/address-policy.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AllowList } from '../net/address-policy.js';
import { SQLITE_SYNCHRONOUS } from '../store/store.js';
import { setting } from './setting.js';

/** Whether `entries` make an AllowList (host names, IP addresses, CIDRs). */
function isAllowList(entries: string[]): boolean {
  try {
    new AllowList(entries);
    return true;
  } catch {
    return false;
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
/** Sign-in modes of `--auth` (docs/auth.md). */
export const AUTH_MODES = ['guest', 'password', 'jwt', 'webhook', 'oidc'] as const;

/** `guest,password`: a comma list, each mode once. */
export function parseModeList(text: string): string[] {
  return text
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
}

/** `host:port,host:port`, or `@file` with one address per line (`#` starts a comment). */
export function parsePeerList(text: string): string[] {
  const list = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text;
  return list
    .replace(/#.*$/gm, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

const ms = (min: number) => z.number().int().min(min);

export const SETTINGS = {
  // --- Network ---------------------------------------------------------------------------------
  port: setting({
    schema: z.number().int().min(0).max(65_535).default(8080),
    flag: '-p, --port <port>',
    env: 'PORT',
    group: 'Network',
    help: 'TCP port of the chat page, /ws, /healthz and /metrics; 0 picks a free port',
  }),
  host: setting({
    schema: z.string().default('0.0.0.0'),
    flag: '--host <host>',
    env: 'SWITCHBOARD_HOST',
    group: 'Network',
    help: 'interface to bind; 0.0.0.0 is every IPv4 interface',
  }),
  web: setting({
    schema: z.boolean().default(true),
    flag: '--no-web',
    env: 'SWITCHBOARD_NO_WEB',
    group: 'Network',
    help: 'serve the chat web page at /',
  }),
  allowedOrigins: setting({
    schema: z.array(z.string().min(1)).default([]),
    flag: '--allowed-origins <list>',
    env: 'SWITCHBOARD_ALLOWED_ORIGINS',
    group: 'Network',
    help:
      'origins whose pages may open /ws (https://chat.example.com,…), * for any; a browser ' +
      'upgrade from elsewhere gets 403. Clients that send no Origin (not browsers) are let in',
    defaultText: "the server's own origin",
    fromText: (text) =>
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  }),
  metricsListen: setting({
    schema: z.string().min(1).optional(),
    flag: '--metrics-listen <host:port>',
    env: 'SWITCHBOARD_METRICS_LISTEN',
    group: 'Network',
    help: 'serve /metrics on this separate listener (e.g. 127.0.0.1:9464) instead of the chat port',
    defaultText: 'on the chat port',
  }),
  metricsToken: setting({
    schema: z.string().min(16).optional(),
    flag: '--metrics-token <token>',
    env: 'SWITCHBOARD_METRICS_TOKEN',
    group: 'Network',
    help: '/metrics requires Authorization: Bearer <token> (at least 16 characters)',
    defaultText: 'none: /metrics is open',
  }),

  // --- Storage ---------------------------------------------------------------------------------
  dataDir: setting({
    schema: z.string().min(1).default('./data'),
    flag: '-d, --data-dir <dir>',
    env: 'SWITCHBOARD_DATA_DIR',
    group: 'Storage',
    help: 'directory of the embedded SQLite store',
  }),
  store: setting({
    schema: z.string().default(''),
    flag: '--store <url>',
    env: 'SWITCHBOARD_STORE',
    group: 'Storage',
    help:
      'store: sqlite:<file>, memory: (lost on exit), postgres://user:pass@host/db ' +
      '(?pgbouncer=true behind PgBouncer in transaction mode), or postgres urls joined by ' +
      'commas: channels sharded over those databases, in a fixed order',
    defaultText: '<data-dir>/switchboard.db',
  }),
  retainPerChannel: setting({
    schema: z.number().int().min(0).default(0),
    flag: '--retain <n>',
    env: 'SWITCHBOARD_RETAIN',
    group: 'Storage',
    help: 'messages kept per channel, older ones pruned; 0 keeps all',
  }),
  sqliteSynchronous: setting({
    schema: z.enum(SQLITE_SYNCHRONOUS).default('full'),
    flag: '--sqlite-synchronous <mode>',
    env: 'SWITCHBOARD_SQLITE_SYNCHRONOUS',
    group: 'Storage',
    help:
      'SQLite durability: full fsyncs every commit (an acknowledged message survives a power ' +
      'loss); normal fsyncs at checkpoints only (faster; a power loss may drop the last commits)',
  }),

  blobs: setting({
    schema: z.string().default(''),
    flag: '--blobs <url>',
    env: 'SWITCHBOARD_BLOBS',
    group: 'Storage',
    help:
      "where uploaded files' bytes live: fs:<dir>, memory: (lost on exit) or postgres://… " +
      '(for a cluster without shared disk)',
    defaultText: '<data-dir>/blobs (memory: with --store memory:)',
  }),
  uploadMaxBytes: setting({
    schema: z
      .number()
      .int()
      .min(1)
      .default(25 * 1024 * 1024),
    flag: '--upload-max-bytes <n>',
    env: 'SWITCHBOARD_UPLOAD_MAX_BYTES',
    group: 'Storage',
    help: 'largest uploaded file in bytes (default 25 MiB); a larger one is refused with 413',
  }),
  uploadQuotaBytes: setting({
    schema: z
      .number()
      .int()
      .min(0)
      .default(1024 * 1024 * 1024),
    flag: '--upload-quota-bytes <n>',
    env: 'SWITCHBOARD_UPLOAD_QUOTA_BYTES',
    group: 'Storage',
    help: 'bytes of files (thumbnails included) each user may keep (default 1 GiB); 0: no quota',
  }),
  fileSecret: setting({
    schema: z.string().min(16).optional(),
    flag: '--file-secret <secret>',
    env: 'SWITCHBOARD_FILE_SECRET',
    group: 'Storage',
    help:
      'key that signs file links (at least 16 characters); give every node of a cluster the ' +
      'same one, or a link works only on the node that made it',
    defaultText: 'random at each start',
  }),

  // --- Cluster ---------------------------------------------------------------------------------
  bus: setting({
    schema: z.string().default(''),
    flag: '--bus <url>',
    env: 'SWITCHBOARD_BUS',
    group: 'Cluster',
    help: 'bus between nodes: redis://, redis-cluster://a,b…, nats://[,nats://…], amqp://, postgres:// or mesh',
    defaultText: 'none (one node)',
  }),
  nodeId: setting({
    schema: z.string().min(1).max(100).optional(),
    flag: '--node-id <id>',
    env: 'SWITCHBOARD_NODE_ID',
    group: 'Cluster',
    help: "this node's id in the cluster",
    defaultText: '<hostname>-<pid>',
  }),
  busLostClose: setting({
    schema: ms(0).default(15_000),
    flag: '--bus-lost-close <ms>',
    env: 'SWITCHBOARD_BUS_LOST_CLOSE',
    group: 'Cluster',
    help:
      'once the bus has been lost this long, close every client of the node with 4005 so it ' +
      'reconnects to another node (once per outage; 0: never)',
  }),
  meshListen: setting({
    schema: z.string().min(1).optional(),
    flag: '--mesh-listen <host:port>',
    env: 'SWITCHBOARD_MESH_LISTEN',
    group: 'Cluster',
    help: 'mesh: where this node listens for peers (keep it on a private network)',
    defaultText: '<host>:<port + 1000>',
  }),
  meshPeers: setting({
    schema: z.array(z.string().min(1)).default([]),
    flag: '--mesh-peers <list>',
    env: 'SWITCHBOARD_MESH_PEERS',
    group: 'Cluster',
    help: 'mesh: peers as host:port,host:port or @file (one per line); own address ignored',
    fromText: parsePeerList,
  }),
  meshSecret: setting({
    schema: z.string().default(''),
    flag: '--mesh-secret <secret>',
    env: 'SWITCHBOARD_MESH_SECRET',
    group: 'Cluster',
    help: 'mesh: shared secret the peers prove to each other; required for mesh',
    defaultText: 'none',
  }),
  workers: setting({
    schema: z.number().int().min(1).max(256).default(1),
    flag: '-w, --workers <n>',
    env: 'SWITCHBOARD_WORKERS',
    group: 'Cluster',
    help: 'worker processes sharing the port, e.g. one per core',
    processOnly: true,
  }),

  // --- Limits ----------------------------------------------------------------------------------
  maxMessageBytes: setting({
    schema: z.number().int().min(1).max(1_048_576).default(4096),
    flag: '--max-message-bytes <n>',
    env: 'SWITCHBOARD_MAX_MESSAGE_BYTES',
    group: 'Limits',
    help: 'largest message text in UTF-8 bytes',
  }),
  editWindow: setting({
    schema: z.number().int().min(0).default(0),
    flag: '--edit-window <seconds>',
    env: 'SWITCHBOARD_EDIT_WINDOW',
    group: 'Limits',
    help: 'how long after sending its author may edit a message; 0: no limit',
  }),
  mentionAllMinMembers: setting({
    schema: z.number().int().min(0).default(50),
    flag: '--mention-all-min-members <n>',
    env: 'SWITCHBOARD_MENTION_ALL_MIN_MEMBERS',
    group: 'Limits',
    help: 'rooms with more members allow @room and @here to moderators and above only',
  }),
  receiptsMaxMembers: setting({
    schema: z.number().int().min(0).default(100),
    flag: '--receipts-max-members <n>',
    env: 'SWITCHBOARD_RECEIPTS_MAX_MEMBERS',
    group: 'Limits',
    help: 'rooms with more members have no read receipts ("seen by")',
  }),
  linkPreviews: setting({
    schema: z.boolean().default(false),
    flag: '--link-previews',
    env: 'SWITCHBOARD_LINK_PREVIEWS',
    group: 'Limits',
    help:
      'fetch the first http(s) link of each new message and add its title, description and ' +
      'site name as a preview (docs/outbound-fetches.md: private addresses are refused)',
  }),
  fetchAllow: setting({
    schema: z
      .array(
        z
          .string()
          .min(1)
          .refine(allowEntryValid, 'a host name, an IP address or a CIDR such as 10.0.0.0/8'),
      )
      .default([]),
    flag: '--fetch-allow <list>',
    env: 'SWITCHBOARD_FETCH_ALLOW',
    group: 'Limits',
    help:
      'hosts and IP addresses/CIDRs (intranet.example,10.1.0.0/16) that link previews may ' +
      'reach although the address policy refuses them, on any port',
    fromText: (text) =>
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  }),
  maxFrameBytes: setting({
    schema: z.number().int().min(256).max(16_777_216).default(65_536),
    flag: '--max-frame-bytes <n>',
    env: 'SWITCHBOARD_MAX_FRAME_BYTES',
    group: 'Limits',
    help: 'largest inbound WebSocket frame in bytes; a larger one closes with 1009',
  }),
  maxBufferedBytes: setting({
    schema: z.number().int().min(1024).default(1_048_576),
    flag: '--max-buffered-bytes <n>',
    env: 'SWITCHBOARD_MAX_BUFFERED_BYTES',
    group: 'Limits',
    help: 'outbound bytes buffered per connection before it is closed as slow (4001)',
  }),
  rateLimit: setting({
    schema: z.number().min(0.1).default(20),
    flag: '--rate-limit <n>',
    env: 'SWITCHBOARD_RATE_LIMIT',
    group: 'Limits',
    help: 'sustained client frames per second per connection',
  }),
  rateBurst: setting({
    schema: z.number().int().min(1).default(60),
    flag: '--rate-burst <n>',
    env: 'SWITCHBOARD_RATE_BURST',
    group: 'Limits',
    help: 'frames a connection may send in a burst above the rate',
  }),
  userRateLimit: setting({
    schema: z.number().min(0.1).optional(),
    flag: '--user-rate-limit <n>',
    env: 'SWITCHBOARD_USER_RATE_LIMIT',
    group: 'Limits',
    help: "sustained frames per second of all of a user's connections on a node together",
    defaultText: '2 × --rate-limit',
  }),
  userRateBurst: setting({
    schema: z.number().int().min(1).optional(),
    flag: '--user-rate-burst <n>',
    env: 'SWITCHBOARD_USER_RATE_BURST',
    group: 'Limits',
    help: "frames all of a user's connections on a node may send in a burst above the rate",
    defaultText: '2 × --rate-burst',
  }),
  floodLimit: setting({
    schema: z.number().int().min(1).default(100),
    flag: '--flood-limit <n>',
    env: 'SWITCHBOARD_FLOOD_LIMIT',
    group: 'Limits',
    help: 'rate-limited frames in a row before the connection is closed (4003)',
  }),

  // --- Connections -----------------------------------------------------------------------------
  pingInterval: setting({
    schema: ms(100).default(25_000),
    flag: '--ping-interval <ms>',
    env: 'SWITCHBOARD_PING_INTERVAL',
    group: 'Connections',
    help: 'server ping period',
  }),
  pingTimeout: setting({
    schema: ms(100).default(20_000),
    flag: '--ping-timeout <ms>',
    env: 'SWITCHBOARD_PING_TIMEOUT',
    group: 'Connections',
    help: 'a connection silent for ping interval + this is closed',
  }),
  heapTrim: setting({
    schema: z.boolean().default(true),
    flag: '--no-heap-trim',
    env: 'SWITCHBOARD_NO_HEAP_TRIM',
    group: 'Connections',
    help:
      'when the old generation of the heap grew by 16 MiB and the event loop goes idle (a connect burst is over: under ' +
      '20 % busy for a second in which no client was served), run one full garbage collection to give the memory ' +
      'back: a short pause on an idle loop',
  }),
  shutdownTimeout: setting({
    schema: ms(0).default(10_000),
    flag: '--shutdown-timeout <ms>',
    env: 'SWITCHBOARD_SHUTDOWN_TIMEOUT',
    group: 'Connections',
    help: 'grace period for in-flight work on SIGTERM before clients are closed with 4000',
  }),

  // --- Presence --------------------------------------------------------------------------------
  presenceInterval: setting({
    schema: ms(10).default(250),
    flag: '--presence-interval <ms>',
    env: 'SWITCHBOARD_PRESENCE_INTERVAL',
    group: 'Presence',
    help: 'presence changes are coalesced and sent to clients this often',
  }),
  memberEventsLimit: setting({
    schema: z.number().int().min(0).default(1000),
    flag: '--member-events-limit <n>',
    env: 'SWITCHBOARD_MEMBER_EVENTS_LIMIT',
    group: 'Presence',
    help: 'rooms with more members get no join/leave events (they grow quadratically)',
  }),
  presenceHeartbeat: setting({
    schema: ms(50).default(5000),
    flag: '--presence-heartbeat <ms>',
    env: 'SWITCHBOARD_PRESENCE_HEARTBEAT',
    group: 'Presence',
    help: 'cluster presence heartbeat period',
  }),
  presenceTtl: setting({
    schema: ms(100).max(300_000).default(15_000),
    flag: '--presence-ttl <ms>',
    env: 'SWITCHBOARD_PRESENCE_TTL',
    group: 'Presence',
    help: 'users of a node silent this long go offline',
  }),

  // --- Auth ------------------------------------------------------------------------------------
  auth: setting({
    schema: z
      .array(z.enum(AUTH_MODES))
      .min(1)
      .refine((modes) => new Set(modes).size === modes.length, 'each mode at most once')
      .default(['guest', 'password']),
    flag: '--auth <modes>',
    env: 'SWITCHBOARD_AUTH',
    group: 'Auth',
    help: 'sign-in modes, a comma list of guest, password, jwt, webhook, oidc',
    fromText: parseModeList,
  }),
  apiKeyRate: setting({
    schema: z.number().min(0.001).default(100),
    flag: '--api-key-rate <n>',
    env: 'SWITCHBOARD_API_KEY_RATE',
    group: 'Auth',
    help: 'HTTP API calls per second per API key on each node (over it: 429 with Retry-After)',
  }),
  apiKeyBurst: setting({
    schema: z.number().int().min(1).default(200),
    flag: '--api-key-burst <n>',
    env: 'SWITCHBOARD_API_KEY_BURST',
    group: 'Auth',
    help: 'HTTP API calls an API key may make at once before --api-key-rate paces it',
  }),
  loginAddressRate: setting({
    schema: z.number().min(0.001).default(0.5),
    flag: '--login-address-rate <n>',
    env: 'SWITCHBOARD_LOGIN_ADDRESS_RATE',
    group: 'Auth',
    help:
      'sign-in attempts (register, login, upgrade, password change) per second per client ' +
      'address; each costs one password hash. Raise it for many users behind one NAT or proxy',
  }),
  loginAddressBurst: setting({
    schema: z.number().int().min(1).default(30),
    flag: '--login-address-burst <n>',
    env: 'SWITCHBOARD_LOGIN_ADDRESS_BURST',
    group: 'Auth',
    help: 'sign-in attempts per client address in a row before --login-address-rate applies',
  }),
  sessionTtl: setting({
    schema: ms(1000).default(30 * 24 * 3600 * 1000),
    flag: '--session-ttl <ms>',
    env: 'SWITCHBOARD_SESSION_TTL',
    group: 'Auth',
    help: 'session lifetime since last use (sliding)',
  }),
  jwtSecret: setting({
    schema: z.string().default(''),
    flag: '--jwt-secret <secret>',
    env: 'SWITCHBOARD_JWT_SECRET',
    group: 'Auth',
    help: 'accept `hello {jwt}` signed HS256/384/512 with this secret',
    defaultText: 'none',
  }),
  jwtPublicKey: setting({
    schema: z.string().min(1).optional(),
    flag: '--jwt-public-key <file>',
    env: 'SWITCHBOARD_JWT_PUBLIC_KEY',
    group: 'Auth',
    help: 'accept JWTs signed RS/PS/ES/EdDSA by the PEM public key in this file',
    defaultText: 'none',
  }),
  jwtJwksUrl: setting({
    schema: z.string().default(''),
    flag: '--jwt-jwks-url <url>',
    env: 'SWITCHBOARD_JWT_JWKS_URL',
    group: 'Auth',
    help: 'accept JWTs signed by a key of this JWKS (cached; an unknown kid refetches, at most every 30 s)',
    defaultText: 'none',
  }),
  jwtIssuer: setting({
    schema: z.string().default(''),
    flag: '--jwt-issuer <iss>',
    env: 'SWITCHBOARD_JWT_ISSUER',
    group: 'Auth',
    help: 'required `iss` of JWTs',
    defaultText: 'not checked',
  }),
  jwtAudience: setting({
    schema: z.string().default(''),
    flag: '--jwt-audience <aud>',
    env: 'SWITCHBOARD_JWT_AUDIENCE',
    group: 'Auth',
    help: 'required `aud` of JWTs',
    defaultText: 'not checked',
  }),
  jwtRolesClaim: setting({
    schema: z.string().min(1).default('roles'),
    flag: '--jwt-roles-claim <claim>',
    env: 'SWITCHBOARD_JWT_ROLES_CLAIM',
    group: 'Auth',
    help: 'JWT claim carrying the server roles (array of strings, or space-separated)',
  }),
  jwtClockSkew: setting({
    schema: z.number().int().min(0).max(300_000).default(30_000),
    flag: '--jwt-clock-skew <ms>',
    env: 'SWITCHBOARD_JWT_CLOCK_SKEW',
    group: 'Auth',
    help: 'tolerance when checking JWT `exp` and `nbf`',
  }),
  jwtAlgorithms: setting({
    schema: z.array(z.string().min(1)).default([]),
    flag: '--jwt-algorithms <list>',
    env: 'SWITCHBOARD_JWT_ALGORITHMS',
    group: 'Auth',
    help: 'allow-list of JWT `alg` values, e.g. RS256,ES256',
    defaultText: 'all the configured keys can verify',
  }),
  authWebhook: setting({
    schema: z.string().default(''),
    flag: '--auth-webhook <url>',
    env: 'SWITCHBOARD_AUTH_WEBHOOK',
    group: 'Auth',
    help: 'POST each hello credential (HMAC-signed) to this URL, which answers allow or deny',
    defaultText: 'none',
  }),
  authWebhookSecret: setting({
    schema: z.string().default(''),
    flag: '--auth-webhook-secret <secret>',
    env: 'SWITCHBOARD_AUTH_WEBHOOK_SECRET',
    group: 'Auth',
    help: 'HMAC-SHA256 key signing webhook requests; required with --auth-webhook',
    defaultText: 'none',
  }),
  authWebhookTimeout: setting({
    schema: ms(50).max(60_000).default(2000),
    flag: '--auth-webhook-timeout <ms>',
    env: 'SWITCHBOARD_AUTH_WEBHOOK_TIMEOUT',
    group: 'Auth',
    help: 'time budget of one webhook request; past it the hello fails SB_ERR_AUTH_UNAVAILABLE',
  }),
  authWebhookFailOpen: setting({
    schema: z.boolean().default(false),
    flag: '--auth-webhook-fail-open',
    env: 'SWITCHBOARD_AUTH_WEBHOOK_FAIL_OPEN',
    group: 'Auth',
    help: 'when the webhook is unavailable, let guest handles and session tokens decide instead',
  }),
  authWebhookCache: setting({
    schema: z.number().int().min(0).default(30_000),
    flag: '--auth-webhook-cache <ms>',
    env: 'SWITCHBOARD_AUTH_WEBHOOK_CACHE',
    group: 'Auth',
    help: 'how long a webhook answer is reused for the same credential; 0 disables',
  }),

  oidcIssuer: setting({
    schema: z.string().default(''),
    flag: '--oidc-issuer <url>',
    env: 'SWITCHBOARD_OIDC_ISSUER',
    group: 'Auth',
    help:
      'OpenID provider whose discovery document (/.well-known/openid-configuration) is read; ' +
      'turns on "Sign in with" on the page (authorization code + PKCE)',
    defaultText: 'none',
  }),
  oidcClientId: setting({
    schema: z.string().default(''),
    flag: '--oidc-client-id <id>',
    env: 'SWITCHBOARD_OIDC_CLIENT_ID',
    group: 'Auth',
    help: 'client id registered at the OpenID provider; required with --oidc-issuer',
    defaultText: 'none',
  }),
  oidcClientSecret: setting({
    schema: z.string().default(''),
    flag: '--oidc-client-secret <secret>',
    env: 'SWITCHBOARD_OIDC_CLIENT_SECRET',
    group: 'Auth',
    help:
      'client secret at the OpenID provider; also keys the sign-in cookie (HKDF), so every ' +
      'node of a cluster needs the same one. Required with --oidc-issuer',
    defaultText: 'none',
  }),
  oidcRedirectUrl: setting({
    schema: z.string().default(''),
    flag: '--oidc-redirect-url <url>',
    env: 'SWITCHBOARD_OIDC_REDIRECT_URL',
    group: 'Auth',
    help:
      'public URL of /api/v1/auth/oidc/callback as the browser reaches it, registered at the ' +
      'provider; required with --oidc-issuer (not guessed from Host)',
    defaultText: 'none',
  }),
  oidcScopes: setting({
    schema: z.string().min(1).default('openid profile email'),
    flag: '--oidc-scopes <scopes>',
    env: 'SWITCHBOARD_OIDC_SCOPES',
    group: 'Auth',
    help: 'space-separated scopes asked for; must include openid',
  }),
  oidcName: setting({
    schema: z.string().min(1).max(64).default('SSO'),
    flag: '--oidc-name <name>',
    env: 'SWITCHBOARD_OIDC_NAME',
    group: 'Auth',
    help: 'provider name on the page\'s button: "Sign in with <name>"',
  }),

  // --- Push notifications (docs/push.md) ------------------------------------------------------
  push: setting({
    schema: z.boolean().default(true),
    flag: '--no-push',
    env: 'SWITCHBOARD_NO_PUSH',
    group: 'Push',
    help: 'send Web Push notifications of DMs to users with no connected device',
  }),
  vapidPublicKey: setting({
    schema: z.string().min(1).optional(),
    flag: '--vapid-public-key <key>',
    env: 'SWITCHBOARD_VAPID_PUBLIC_KEY',
    group: 'Push',
    help: 'VAPID public key (base64url P-256 point); with --vapid-private-key',
    defaultText: 'generated at the first start and kept in the store',
  }),
  vapidPrivateKey: setting({
    schema: z.string().min(1).optional(),
    flag: '--vapid-private-key <key>',
    env: 'SWITCHBOARD_VAPID_PRIVATE_KEY',
    group: 'Push',
    help: 'VAPID private key (base64url, 32 bytes); with --vapid-public-key',
    defaultText: 'generated at the first start and kept in the store',
  }),
  vapidSubject: setting({
    schema: z.string().min(1).default('mailto:postmaster@localhost'),
    flag: '--vapid-subject <url>',
    env: 'SWITCHBOARD_VAPID_SUBJECT',
    group: 'Push',
    help:
      'mailto: or https: URL push services may contact about this server (set it: Apple ' +
      'refuses localhost)',
  }),
  pushTimeout: setting({
    schema: ms(100).default(10_000),
    flag: '--push-timeout <ms>',
    env: 'SWITCHBOARD_PUSH_TIMEOUT',
    group: 'Push',
    help: 'socket time budget of one post to a push service',
  }),
  pushConcurrency: setting({
    schema: z.number().int().min(1).max(256).default(4),
    flag: '--push-concurrency <n>',
    env: 'SWITCHBOARD_PUSH_CONCURRENCY',
    group: 'Push',
    help: 'notifications being posted at once per node',
  }),
  pushQueue: setting({
    schema: z.number().int().min(1).default(1000),
    flag: '--push-queue <n>',
    env: 'SWITCHBOARD_PUSH_QUEUE',
    group: 'Push',
    help: 'notifications waiting per node; more are dropped (counted in switchboard_push_total)',
  }),
  pushCa: setting({
    schema: z.string().min(1).optional(),
    flag: '--push-ca <file>',
    env: 'SWITCHBOARD_PUSH_CA',
    group: 'Push',
    help: 'PEM file of extra CA certificates trusted for push services (a private push service)',
    defaultText: "Node's CA store",
  }),
  pushAllowPrivate: setting({
    schema: z.boolean().default(false),
    flag: '--push-allow-private',
    env: 'SWITCHBOARD_PUSH_ALLOW_PRIVATE',
    group: 'Push',
    help: 'accept push endpoints on localhost and private addresses (a private push service)',
  }),

  // --- Webhooks (docs/webhooks.md) -----------------------------------------------------------
  webhooks: setting({
    schema: z.boolean().default(false),
    flag: '--webhooks',
    env: 'SWITCHBOARD_WEBHOOKS',
    group: 'Webhooks',
    help: 'keep the webhook event log, deliver it to subscriptions, serve /api/v1/webhooks',
  }),
  webhookAllow: setting({
    schema: z
      .array(z.string().min(1))
      .refine(isAllowList, 'each entry a host name, an IP address or a CIDR')
      .default([]),
    flag: '--webhook-allow <list>',
    env: 'SWITCHBOARD_WEBHOOK_ALLOW',
    group: 'Webhooks',
    help:
      'hosts and IPs/CIDRs webhook and before-send targets may reach although the SSRF policy ' +
      'refuses them (loopback, private, link-local), on any port: 127.0.0.1,hooks.internal',
    fromText: (text) =>
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  }),
  webhookTimeoutMs: setting({
    schema: ms(100).default(10_000),
    flag: '--webhook-timeout-ms <ms>',
    env: 'SWITCHBOARD_WEBHOOK_TIMEOUT_MS',
    group: 'Webhooks',
    help: 'a delivery not answered 2xx within this is a failure and is retried',
  }),
  webhookRetryMs: setting({
    schema: ms(10).default(1000),
    flag: '--webhook-retry-ms <ms>',
    env: 'SWITCHBOARD_WEBHOOK_RETRY_MS',
    group: 'Webhooks',
    help: 'first retry delay of a failed delivery; doubles (with jitter) up to 5 minutes',
  }),
  webhookDeadAfterMs: setting({
    schema: ms(100).default(86_400_000),
    flag: '--webhook-dead-after-ms <ms>',
    env: 'SWITCHBOARD_WEBHOOK_DEAD_AFTER_MS',
    group: 'Webhooks',
    help: 'an event failing this long turns its subscription dead (delivery stops until resumed)',
  }),
  webhookConcurrency: setting({
    schema: z.number().int().min(1).default(64),
    flag: '--webhook-concurrency <n>',
    env: 'SWITCHBOARD_WEBHOOK_CONCURRENCY',
    group: 'Webhooks',
    help: 'webhook requests in flight at most on this node (each subscription at most 16)',
  }),
  webhookLeaseMs: setting({
    schema: ms(100).default(15_000),
    flag: '--webhook-lease-ms <ms>',
    env: 'SWITCHBOARD_WEBHOOK_LEASE_MS',
    group: 'Webhooks',
    help: "a subscription's deliverer node; another node takes over this long after it dies",
  }),
  webhookRetentionMs: setting({
    schema: ms(0).default(604_800_000),
    flag: '--webhook-retention-ms <ms>',
    env: 'SWITCHBOARD_WEBHOOK_RETENTION_MS',
    group: 'Webhooks',
    help:
      'webhook events older than this are pruned from the event log (a replay cannot reach ' +
      'them any more); 0 keeps every event',
    defaultText: '604800000 (7 days)',
  }),
  beforeSendUrl: setting({
    schema: z.string().default(''),
    flag: '--before-send-url <url>',
    env: 'SWITCHBOARD_BEFORE_SEND_URL',
    group: 'Webhooks',
    help: 'ask this URL before storing each sent message: allow, reject or rewrite it',
    defaultText: 'none',
  }),
  beforeSendSecret: setting({
    schema: z.string().default(''),
    flag: '--before-send-secret <secret>',
    env: 'SWITCHBOARD_BEFORE_SEND_SECRET',
    group: 'Webhooks',
    help: 'HMAC secret the before-send request is signed with (Switchboard-Signature)',
    defaultText: 'none',
  }),
  beforeSendTimeoutMs: setting({
    schema: ms(10).max(30_000).default(2000),
    flag: '--before-send-timeout-ms <ms>',
    env: 'SWITCHBOARD_BEFORE_SEND_TIMEOUT_MS',
    group: 'Webhooks',
    help: "the before-send hook's time budget per message",
  }),
  beforeSendFail: setting({
    schema: z.enum(['open', 'closed']).default('closed'),
    flag: '--before-send-fail <mode>',
    env: 'SWITCHBOARD_BEFORE_SEND_FAIL',
    group: 'Webhooks',
    help: 'when the hook fails or times out: open stores the message, closed refuses it',
  }),

  // --- Logging ---------------------------------------------------------------------------------
  logLevel: setting({
    schema: z.enum(LOG_LEVELS).default('info'),
    flag: '--log-level <level>',
    env: 'SWITCHBOARD_LOG_LEVEL',
    group: 'Logging',
    help: 'least severe level logged',
  }),
  logFormat: setting({
    schema: z.enum(LOG_FORMATS).default('auto'),
    flag: '--log-format <format>',
    env: 'SWITCHBOARD_LOG_FORMAT',
    group: 'Logging',
    help: 'pretty (readable lines) when stdout is a terminal, else JSON (one object a line)',
  }),
};
