/**
 * Short-lived signed file links: `/api/v1/files/{id}[/thumb]?exp=<ms>&sig=<mac>`, where mac is
 * HMAC-SHA256 over `{id}/{variant}/{exp}` with the node's file secret (--file-secret), base64url.
 * Anyone holding a link may fetch the file until `exp`: links are handed only to members of the
 * file's channel and live LINK_TTL_MS, so a member who leaves keeps at most that much access.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SwitchboardError } from '../errors.js';

export const LINK_TTL_MS = 5 * 60_000;

export type FileVariant = 'file' | 'thumb';

export class FileLinks {
  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  #mac(id: string, variant: FileVariant, exp: number): string {
    return createHmac('sha256', this.secret).update(`${id}/${variant}/${exp}`).digest('base64url');
  }

  /** A link path valid for LINK_TTL_MS, and when it expires. */
  sign(id: string, variant: FileVariant): { path: string; expires: number } {
    const exp = this.now() + LINK_TTL_MS;
    const suffix = variant === 'thumb' ? '/thumb' : '';
    const sig = this.#mac(id, variant, exp);
    return {
      path: `/api/v1/files/${encodeURIComponent(id)}${suffix}?exp=${exp}&sig=${sig}`,
      expires: exp,
    };
  }

  /** Throws SB_ERR_FILE_LINK_INVALID unless `sig` is this node's mac and `exp` is ahead. */
  verify(id: string, variant: FileVariant, exp: string | null, sig: string | null): void {
    const at = Number(exp);
    if (!exp || !sig || !/^\d{1,16}$/.test(exp))
      throw new SwitchboardError('SB_ERR_FILE_LINK_INVALID', 'link has no valid exp and sig');
    const want = Buffer.from(this.#mac(id, variant, at));
    const given = Buffer.from(sig);
    if (given.length !== want.length || !timingSafeEqual(given, want))
      throw new SwitchboardError('SB_ERR_FILE_LINK_INVALID', 'signature does not match');
    if (at < this.now()) throw new SwitchboardError('SB_ERR_FILE_LINK_INVALID', 'link expired');
  }
}
