/**
 * Fetches the preview of a link for the core (CoreOptions.linkPreview): a safe fetch
 * (./safe-fetch.ts) of at most 256 KiB within 5 s, an HTML answer parsed by ./page-preview.ts.
 * Anything else (a refusal, a failure, another content type, a page without a title, more than
 * `maxConcurrent` fetches in flight) is no preview: it resolves null and the failure goes to
 * `log`.
 */
import type { LinkPreview } from '../protocol/link-preview.js';
import { AllowList } from './address-policy.js';
import { parsePreview } from './page-preview.js';
import { safeFetch } from './safe-fetch.js';

export interface LinkPreviewerOptions {
  /** Hosts and CIDRs the address policy lets through (--fetch-allow). Default none. */
  allow?: readonly string[];
  /** Body bytes read at most; the rest is cut (the head is enough). Default 256 KiB. */
  maxBytes?: number;
  /** Milliseconds per fetch, redirects included. Default 5000. */
  timeoutMs?: number;
  /**
   * Fetches in flight at most; a link past it gets no preview (a burst of links cannot make the
   * server open unbounded outbound connections). Default 8.
   */
  maxConcurrent?: number;
  /** Told why a link got no preview. */
  log?: (url: string, err: unknown) => void;
}

export type LinkPreviewer = (url: string) => Promise<LinkPreview | null>;

export function createLinkPreviewer(options: LinkPreviewerOptions = {}): LinkPreviewer {
  const allow = new AllowList(options.allow ?? []);
  const max = options.maxConcurrent ?? 8;
  let active = 0;
  return async (url) => {
    if (active >= max) {
      options.log?.(url, new Error('too many link previews in flight'));
      return null;
    }
    active++;
    try {
      const res = await safeFetch(url, {
        allow,
        maxBytes: options.maxBytes ?? 256 * 1024,
        truncate: true,
        timeoutMs: options.timeoutMs ?? 5000,
        headers: {
          accept: 'text/html,application/xhtml+xml;q=0.9',
          'user-agent': 'Switchboard-LinkPreview/1',
        },
      });
      const type = String(res.headers['content-type'] ?? '').toLowerCase();
      if (res.status !== 200 || !/^(text\/html|application\/xhtml\+xml)/.test(type)) return null;
      return parsePreview(res.body.toString('utf8'), res.url);
    } catch (err) {
      options.log?.(url, err);
      return null;
    } finally {
      active--;
    }
  };
}
