/**
 * An outbound HTTP(S) GET or POST made on behalf of a user or operator (a link preview, a webhook,
 * the before-send hook) that cannot
 * be turned against the server's own network (SSRF):
 * - only `http:` and `https:`, only ports 80 and 443 (or `ports`);
 * - the host is resolved once, every address judged by src/net/address-policy.ts, and the
 *   connection is made to the address that was judged (pinned through the socket's `lookup`:
 *   no second DNS answer between check and connect, so DNS rebinding cannot slip in);
 * - redirects are followed by hand, each hop checked the same way, at most `maxRedirects`;
 * - the body is read up to `maxBytes` and the whole exchange, redirects included, ends after
 *   `timeoutMs`.
 * Failures reject with SB_ERR_FETCH_REFUSED / _TOO_LARGE / _TIMEOUT / _FAILED; never sent to a
 * client, they are for the caller to log.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { SwitchboardError } from '../errors.js';
import { AllowList, mayConnect } from './address-policy.js';

export interface SafeFetchOptions {
  /**
   * Hosts and IP addresses / CIDRs reachable even though the policy refuses them (and on any
   * port). Default: none.
   */
  allow?: readonly string[] | AllowList;
  /** Ports a URL may name besides an allowed host's. Default [80, 443]. */
  ports?: readonly number[];
  /** Body bytes read at most. Default 1 MiB. */
  maxBytes?: number;
  /**
   * Past maxBytes: true keeps the first maxBytes and answers `truncated: true` (enough for the
   * <head> of a page); false (default) rejects SB_ERR_FETCH_TOO_LARGE.
   */
  truncate?: boolean;
  /** Milliseconds for the whole exchange, redirects included. Default 5000. */
  timeoutMs?: number;
  /** Redirects followed at most. Default 3. */
  maxRedirects?: number;
  /** Request headers (a User-Agent, Accept). */
  headers?: Record<string, string>;
  /**
   * `GET` (default) or `POST` with `body` (webhooks). A 307/308 redirect repeats the POST with
   * its body; 301/302/303 turn it into a GET without one (as browsers do).
   */
  method?: 'GET' | 'POST';
  body?: string | Buffer;
}

export interface SafeResponse {
  /** The URL finally answered, after redirects. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body was cut at maxBytes (only with `truncate`). */
  truncated: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function safeFetch(
  url: string,
  options: SafeFetchOptions = {},
): Promise<SafeResponse> {
  const allow =
    options.allow instanceof AllowList ? options.allow : new AllowList(options.allow ?? []);
  const timeoutMs = options.timeoutMs ?? 5000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let current = url;
    let hopOptions = options;
    for (let hop = 0; ; hop++) {
      const res = await fetchOnce(current, allow, hopOptions, controller.signal);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || location === undefined) return res;
      if (hop >= (options.maxRedirects ?? 3))
        throw new SwitchboardError('SB_ERR_FETCH_FAILED', 'too many redirects');
      current = new URL(location, current).href;
      if (res.status !== 307 && res.status !== 308)
        hopOptions = { ...hopOptions, method: 'GET', body: undefined };
    }
  } catch (err) {
    if (controller.signal.aborted) throw new SwitchboardError('SB_ERR_FETCH_TIMEOUT');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks `raw` as a fetch would (URL, scheme, port, every address after DNS) without fetching:
 * rejects SB_ERR_FETCH_REFUSED or SB_ERR_FETCH_FAILED (cannot resolve). For refusing a webhook
 * URL when it is set; the fetch checks again, every time and on every redirect.
 */
export async function checkDestination(
  raw: string,
  options: Pick<SafeFetchOptions, 'allow' | 'ports'> = {},
): Promise<void> {
  const allow =
    options.allow instanceof AllowList ? options.allow : new AllowList(options.allow ?? []);
  await destination(raw, allow, options.ports ?? [80, 443]);
}

/** The checked destination of `raw`: its URL and the one address to connect to. */
async function destination(
  raw: string,
  allow: AllowList,
  ports: readonly number[],
): Promise<{ url: URL; address: string; family: number }> {
  let url: URL;
  try {
    url = new URL(raw); // normalizes 2130706433, 0x7f.1, 017700000001 to 127.0.0.1
  } catch {
    throw new SwitchboardError('SB_ERR_FETCH_REFUSED', 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new SwitchboardError('SB_ERR_FETCH_REFUSED', `scheme ${url.protocol} refused`);
  if (url.username || url.password)
    throw new SwitchboardError('SB_ERR_FETCH_REFUSED', 'credentials in the URL refused');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  let addresses: LookupAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await dnsLookup(host, { all: true, verbatim: true });
    } catch (cause) {
      throw new SwitchboardError('SB_ERR_FETCH_FAILED', `cannot resolve ${host}`, { cause });
    }
  }
  const ok = addresses.find((a) => mayConnect(host, a.address, allow));
  if (!ok) throw new SwitchboardError('SB_ERR_FETCH_REFUSED', `${host}: address refused`);
  const allowed = allow.host(host) || allow.address(ok.address);
  if (!allowed && !ports.includes(port))
    throw new SwitchboardError('SB_ERR_FETCH_REFUSED', `port ${port} refused`);
  return { url, address: ok.address, family: ok.family };
}

async function fetchOnce(
  raw: string,
  allow: AllowList,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<SafeResponse> {
  const { url, address, family } = await destination(raw, allow, options.ports ?? [80, 443]);
  signal.throwIfAborted();
  // Every lookup the socket makes answers the address checked above: the connection goes where
  // the policy looked, whatever DNS says now.
  const pinned = ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (opts.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as unknown as LookupFunction;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SafeResponse>((resolve, reject) => {
    const body = options.method === 'POST' ? (options.body ?? '') : undefined;
    const req = request(url, {
      method: options.method ?? 'GET',
      agent: false,
      lookup: pinned,
      signal,
      headers: {
        'accept-encoding': 'identity',
        ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        ...options.headers,
      },
    });
    req.on('error', (cause) =>
      reject(
        cause instanceof SwitchboardError
          ? cause
          : new SwitchboardError('SB_ERR_FETCH_FAILED', cause.message, { cause }),
      ),
    );
    req.on('response', (res) =>
      readBody(url.href, res, options, resolve, reject, req.destroy.bind(req)),
    );
    req.end(body);
  });
}

function readBody(
  url: string,
  res: IncomingMessage,
  options: SafeFetchOptions,
  resolve: (r: SafeResponse) => void,
  reject: (e: Error) => void,
  destroy: () => void,
): void {
  const max = options.maxBytes ?? 1024 * 1024;
  const done = (body: Buffer, truncated: boolean) =>
    resolve({ url, status: res.statusCode ?? 0, headers: res.headers, body, truncated });
  if (REDIRECTS.has(res.statusCode ?? 0)) {
    res.resume(); // a redirect's body is not read: the caller follows `location`
    destroy();
    done(Buffer.alloc(0), false);
    return;
  }
  const declared = Number(res.headers['content-length']);
  if (!options.truncate && declared > max) {
    destroy();
    reject(new SwitchboardError('SB_ERR_FETCH_TOO_LARGE'));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= max) {
      chunks.push(chunk);
      return;
    }
    res.removeAllListeners('data');
    destroy();
    if (!options.truncate) reject(new SwitchboardError('SB_ERR_FETCH_TOO_LARGE'));
    else {
      chunks.push(chunk.subarray(0, chunk.length - (size - max)));
      done(Buffer.concat(chunks), true);
    }
  });
  res.on('end', () => done(Buffer.concat(chunks), false));
  res.on('error', (cause) =>
    reject(new SwitchboardError('SB_ERR_FETCH_FAILED', cause.message, { cause })),
  );
}
