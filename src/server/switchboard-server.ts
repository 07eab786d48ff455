/**
 * A Switchboard node: HTTP server (chat page, /ws, /api/v1, /healthz, /readyz, /metrics) +
 * ChatCore wired to its seams. Used by `switchboard serve` and by tests. `/metrics` moves to its
 * own listener with `--metrics-listen` and asks for a bearer token with `--metrics-token`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Authenticator } from '../auth/authenticator.js';
import type { AccountService } from '../auth/accounts.js';
import { externalAuthenticator } from '../auth/external.js';
import { oidcSettings } from '../auth/oidc-settings.js';
import { sameSecret } from '../auth/token-hash.js';
import type { Bus } from '../bus/bus.js';
import { isClusterBus, openBus } from '../bus/index.js';
import { BusMux } from '../bus/mux.js';
import type { Config } from '../config.js';
import { ChatCore, type Logger } from '../core/chat-core.js';
import { SERVER_ADMIN_ROLE } from '../core/permissions.js';
import type { Presence } from '../presence/presence.js';
import { MemoryPresence } from '../presence/memory.js';
import { BusPresence, PRESENCE_TOPIC } from '../presence/bus.js';
import { openStore, type StoreBackend } from '../store/index.js';
import type { Store } from '../store/store.js';
import { WsTransport } from '../transport/ws.js';
import { Metrics } from './metrics.js';
import { HeapTrimmer } from './heap-trimmer.js';
import { MetricsHistory } from './metrics-history.js';
import { slowCommitWarner, SLOW_COMMIT_SECONDS } from './slow-commits.js';
import { processLocalWarnings } from './process-local-parts.js';
import { StaticFiles, findWebDir } from './static-files.js';
import { ERRORS, SwitchboardError } from '../errors.js';
import { addAuthRoutes, bearerToken } from '../http/auth-routes.js';
import { addOidcRoutes } from '../http/oidc-routes.js';
import { addPushRoutes } from '../http/push-routes.js';
import { loadDriver } from '../backend-errors.js';
import type { OidcFlow } from '../auth/oidc-flow.js';
import { ApiRouter } from '../http/router.js';
import { addUploadRoutes } from '../http/upload-routes.js';
import { FileLinks } from '../http/file-link.js';
import { openBlobStore, type BlobStore } from '../blob/index.js';
import { randomBytes } from 'node:crypto';
import { COLLECT_EVERY_MS, collectUploads } from './collect-uploads.js';
import { addApiRoutes } from '../http/api/api-routes.js';
import { ApiKeys } from '../http/api/api-keys.js';
import type { NodeHealth } from '../http/api/endpoint.js';
import { CloseCode } from '../protocol/close-codes.js';
import { buildAuth, hasChannels } from './authenticators.js';
import { originAllowed } from './origin.js';
import { createLinkPreviewer } from '../net/link-previewer.js';
import { openWebPush, type WebPushSetup } from './web-push-setup.js';
import { addWebhookRoutes } from '../http/webhook-routes.js';
import { Webhooks } from '../webhooks/webhooks.js';
import { adminAuthorizer } from './admin-authorizer.js';

export interface ServerParts {
  /** Also the sessions of the default authenticator. */
  store?: StoreBackend;
  /** Where uploaded files' bytes live (default: --blobs). */
  blobs?: BlobStore;
  bus?: Bus;
  presence?: Presence;
  auth?: Authenticator;
}

export class SwitchboardServer {
  readonly http: Server;
  readonly core: ChatCore;
  /** The node's own metrics over the last hour, for the admin console's charts. */
  private readonly history: MetricsHistory;
  private readonly transport: WsTransport;
  private readonly files: StaticFiles;
  private readonly api: ApiRouter;
  /** API keys of the operator API (src/http/api). */
  readonly keys: ApiKeys;
  /** The `--metrics-listen` server, when set. */
  private readonly metricsHttp: Server | null;
  private stopping: Promise<void> | null = null;
  private collector: NodeJS.Timeout | null = null;
  /** `--no-heap-trim` leaves it null. */
  private trimmer: HeapTrimmer | null = null;
  /** The event log, its deliverers and the before-send hook (docs/webhooks.md). */
  readonly webhooks: Webhooks;

  private constructor(
    readonly config: Config,
    readonly store: Store,
    readonly bus: Bus,
    readonly presence: Presence,
    auth: Authenticator,
    accounts: AccountService,
    private readonly logger: Logger,
    oidcFlow: OidcFlow | null,
    readonly blobs: BlobStore,
    private readonly push: WebPushSetup | null,
    /** Made by `create` before the store opens, which times its commits into it. */
    readonly metrics: Metrics,
  ) {
    this.history = new MetricsHistory(metrics.registry);
    this.files = new StaticFiles(config.web ? findWebDir() : null);
    this.api = new ApiRouter('/api/v1', (err) => logger.error({ err }, 'api request failed'));
    const oidc = oidcSettings(config);
    const modes = oidc && !config.auth.includes('oidc') ? [...config.auth, 'oidc'] : config.auth;
    addAuthRoutes(this.api, accounts, { modes, oidc: oidc && { name: oidc.oidcName } });
    addOidcRoutes(
      this.api,
      accounts,
      oidc && oidcFlow
        ? {
            settings: oidc,
            flow: oidcFlow,
            onError: (err) => logger.warn({ err }, 'OIDC sign-in failed'),
          }
        : null,
    );
    addUploadRoutes(this.api, {
      uploads: store.uploads,
      blobs,
      links: new FileLinks(config.fileSecret ?? randomBytes(32).toString('base64url')),
      identify: (token) =>
        auth.authenticate(/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token) ? { jwt: token } : { token }),
      authorizeChannel: (who, channel, command) =>
        this.core.authorizeChannel({ user: who.user, roles: who.roles ?? [] }, channel, command),
      maxBytes: config.uploadMaxBytes,
      quotaBytes: config.uploadQuotaBytes,
    });
    this.keys = new ApiKeys({
      store: store.apiKeys,
      rate: config.apiKeyRate,
      burst: config.apiKeyBurst,
    });
    addPushRoutes(this.api, push?.publicKey ?? null);
    this.webhooks = new Webhooks(config, store.webhooks, bus.nodeId, logger);
    addWebhookRoutes(this.api, {
      // The one authorization seam of the webhook routes: API keys (webhooks:write), admins.
      authorize: adminAuthorizer(accounts, this.keys),
      store: config.webhooks ? store.webhooks : null,
      allow: this.webhooks.allow,
      changed: () => void this.webhooks.dispatcher?.refresh(),
    });
    this.http = createServer((req, res) => this.route(req, res));
    this.http.keepAliveTimeout = 5000;
    this.core = new ChatCore({
      ...config,
      linkPreview: config.linkPreviews
        ? createLinkPreviewer({
            allow: config.fetchAllow,
            log: (url, err) => logger.debug({ err, url }, 'no link preview'),
          })
        : undefined,
      store,
      bus,
      presence,
      auth,
      logger,
      metrics: this.metrics,
      blobStore: blobs,
      push: push
        ? {
            sender: push.sender,
            concurrency: config.pushConcurrency,
            queueLimit: config.pushQueue,
            metric: (m) => this.metrics.push(m),
          }
        : undefined,
      events: this.webhooks.events,
      beforeSend: this.webhooks.beforeSend,
      logins: accounts.loginThrottle,
    });
    accounts.loginThrottle.onAttempt = (address, handle) =>
      this.core.loginAttempted(address, handle);
    addApiRoutes(
      this.api,
      {
        keys: this.keys,
        core: this.core,
        adminRole: SERVER_ADMIN_ROLE,
        store,
        presence,
        accounts,
        node: {
          id: bus.nodeId,
          users: () => this.core.localUsers(),
          health: () => this.health(),
          metrics: () => this.history.points(),
        },
        now: Date.now,
      },
      (err) => logger.warn({ err }, 'API call log write failed'),
    );
    this.transport = new WsTransport({
      server: this.http,
      maxPayload: config.maxFrameBytes,
      admit: (req) =>
        originAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)
          ? { ok: true }
          : {
              ok: false,
              body: JSON.stringify({
                code: 'SB_ERR_ORIGIN_FORBIDDEN',
                message: ERRORS.SB_ERR_ORIGIN_FORBIDDEN.message,
              }),
            },
    });
    this.metricsHttp = config.metricsListen
      ? createServer((req, res) => {
          if ((req.url ?? '/').split('?')[0] === '/metrics') this.serveMetrics(req, res);
          else json(res, 404, { status: 'not found' });
        })
      : null;
  }

  static async create(
    config: Config,
    logger: Logger,
    parts: ServerParts = {},
  ): Promise<SwitchboardServer> {
    // Checked before anything opens: a bad OIDC setting is a start-up error. The OpenID library
    // is loaded only when OIDC is configured; the provider is first asked at the first sign-in.
    const oidc = oidcSettings(config);
    const oidcFlow = oidc
      ? new (
          await loadDriver(() => import('../auth/oidc-client.js'), 'openid-client', 'OIDC sign-in')
        ).OidcClient(oidc)
      : null;
    const metrics = new Metrics();
    const slowCommit = slowCommitWarner((report) =>
      logger.warn(
        report,
        `sqlite commits held the event loop over ${SLOW_COMMIT_SECONDS} s: the disk syncs slowly; every client of this node waited`,
      ),
    );
    const store =
      parts.store ??
      (await openStore(config.store, {
        dataDir: config.dataDir,
        retainPerChannel: config.retainPerChannel,
        sqliteSynchronous: config.sqliteSynchronous,
        onSqliteCommit: (seconds) => {
          metrics.sqliteCommit(seconds);
          slowCommit(seconds);
        },
      }));
    // PostgresStore without pg_trgm searches by scanning (docs/search.md): say so once.
    if ((store.search as { trigramIndex?: boolean }).trigramIndex === false)
      logger.warn(
        {},
        'postgres store: pg_trgm cannot be created here; search scans message_search',
      );
    // A bus other nodes may share: a cluster bus, or one handed in.
    const sharedBus = isClusterBus(config.bus) || !!parts.bus;
    for (const warning of processLocalWarnings(config, {
      storeGiven: !!parts.store,
      blobsGiven: !!parts.blobs,
      sharedBus,
    }))
      logger.warn({}, warning);
    const nodeId = config.nodeId ?? `${hostname()}-${process.pid}`;
    let bus =
      parts.bus ?? (await openBus(config.bus, { nodeId, mesh: meshOptions(config), logger }));
    let presence = parts.presence;
    if (!presence) {
      if (sharedBus) {
        // One bus connection shared by the core and cluster presence.
        const mux = new BusMux(bus);
        bus = mux.view('');
        presence = new BusPresence(mux.view(PRESENCE_TOPIC), {
          heartbeatMs: config.presenceHeartbeat,
          ttlMs: config.presenceTtl,
          onError: (err) => logger.warn({ err }, 'presence publish failed'),
        });
      } else {
        presence = new MemoryPresence();
      }
    }
    // The core is made by the constructor: a revoke (only ever after start) reaches it through
    // `server`, which exists by then.
    const built = buildAuth(config, store, presence, (handle, sessionId) => {
      server.core.disconnectUser(handle, CloseCode.SESSION_REVOKED, sessionId);
      // A signed-out device gets no more notifications of this user's messages.
      store.push
        .removeSession(handle, sessionId)
        .catch((err: unknown) => logger.warn({ err }, 'push subscriptions of a session kept'));
    });
    const auth = externalAuthenticator(config, parts.auth ?? built.auth, {
      // JWT and webhook users have no session: they exist (may get DMs) once they have a channel.
      knownUser: hasChannels(store),
      onUnavailable: (err) => logger.warn({ err }, 'auth backend unavailable'),
      // A JWT or webhook server admin is no moderation target, on any node, even offline.
      presented: {
        set: (user, roles) => store.accounts.setPresentedRoles(user, roles, Date.now()),
        get: (user) => store.accounts.presentedRoles(user),
      },
    });
    const blobs =
      parts.blobs ??
      (await openBlobStore(config.blobs, { dataDir: config.dataDir, store: config.store }));
    const push = await openWebPush(config, store);
    const server = new SwitchboardServer(
      config,
      store,
      bus,
      presence,
      auth,
      built.accounts,
      logger,
      oidcFlow,
      blobs,
      push,
      metrics,
    );
    return server;
  }

  get nodeId(): string {
    return this.bus.nodeId;
  }

  /** The routes served under /api/v1 (OpenAPI form), what /api/v1/openapi.json must document. */
  apiRoutes(): { method: string; path: string }[] {
    return this.api.routes();
  }

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    await this.core.start();
    this.webhooks.start();
    await this.transport.start((conn) => this.core.accept(conn));
    await new Promise<void>((res, rej) => {
      this.http.once('error', rej);
      this.http.listen(this.config.port, this.config.host, () => {
        this.http.off('error', rej);
        res();
      });
    });
    if (this.metricsHttp && this.config.metricsListen) {
      const [host, port] = splitHostPort(this.config.metricsListen);
      const server = this.metricsHttp;
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(port, host, () => {
          server.off('error', rej);
          res();
        });
      });
    }
    this.collector = setInterval(() => {
      collectUploads(this.store.uploads, this.blobs, Date.now()).catch((err: unknown) =>
        this.logger.warn({ err }, 'collecting unsent uploads failed'),
      );
    }, COLLECT_EVERY_MS).unref();
    this.history.start((err) => this.logger.warn({ err }, 'sampling metrics history failed'));
    if (this.config.heapTrim) {
      this.trimmer = new HeapTrimmer({ activity: () => this.metrics.activity });
      this.trimmer.start(
        (trim) => this.logger.debug(trim, 'heap trimmed after a burst'),
        (err) => this.logger.warn({ err }, 'trimming the heap failed'),
      );
    }
    return (this.http.address() as AddressInfo).port;
  }

  /** The port of the `--metrics-listen` server once started; null without one. */
  get metricsPort(): number | null {
    const address = this.metricsHttp?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  /** Drain: stop accepting, finish in-flight commands, close clients with 4000, close backends. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.http.close();
      this.history.stop();
      this.trimmer?.stop();
      this.metricsHttp?.close();
      await this.transport.close();
      await this.core.drain(this.config.shutdownTimeout);
      await this.core.stop();
      this.push?.close();
      await this.webhooks.close();
      await this.presence.close();
      await this.bus.close();
      if (this.collector) clearInterval(this.collector);
      await this.store.close();
      await this.blobs.close();
      this.http.closeAllConnections();
    })();
    return this.stopping;
  }

  private async ready(): Promise<boolean> {
    const h = await this.health();
    return h.bus && h.store && !h.draining;
  }

  /** What /readyz checks, each part apart (GET /api/v1/health). */
  private async health(): Promise<NodeHealth> {
    const bus = this.bus.ready();
    const draining = this.core.isDraining;
    let store = true;
    try {
      await this.store.head('room:general');
    } catch {
      store = false;
    }
    return { bus, store, draining };
  }

  private serveMetrics(req: IncomingMessage, res: ServerResponse): void {
    const token = this.config.metricsToken;
    if (token !== undefined) {
      const given = bearerToken(req);
      if (given === null || !sameSecret(given, token)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"' });
        res.end();
        return;
      }
    }
    this.metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
        res.end(text);
      },
      () => json(res, 500, { status: 'error' }),
    );
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    if (this.api.owns(path)) {
      this.api.handle(req, res, path);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      json(res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      this.ready().then(
        (ok) => json(res, ok ? 200 : 503, { status: ok ? 'ready' : 'unavailable' }),
        () => json(res, 503, { status: 'unavailable' }),
      );
    } else if (path === '/metrics' && !this.metricsHttp) {
      this.serveMetrics(req, res);
    } else if (!this.files.serve(path, res)) {
      json(res, 404, { status: 'not found' });
    }
  }
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function meshOptions(config: Config) {
  if (config.bus !== 'mesh') return undefined;
  const [host, port] = splitHostPort(
    config.meshListen ?? `${config.host}:${config.port === 0 ? 0 : config.port + 1000}`,
  );
  return { listen: { host, port }, peers: config.meshPeers, secret: config.meshSecret };
}

function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port)) {
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `expected host:port, got "${addr}"`);
  }
  return [addr.slice(0, i).replace(/^\[|\]$/g, ''), port];
}
