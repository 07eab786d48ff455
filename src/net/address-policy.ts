/**
 * Which IP addresses an outbound request made on behalf of a user (a link preview, a webhook)
 * may connect to. Everything that is not a public unicast address is refused: loopback, private
 * (RFC 1918, fc00::/7), link-local, CGNAT, unspecified, multicast, broadcast, documentation and
 * benchmarking ranges, and the IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64,
 * 6to4, Teredo) are judged by the IPv4 address they carry. An operator's `allow` list (hosts
 * and CIDRs) wins over the refusal: it is how tests and intranet deployments reach a server on
 * loopback or a private network.
 */
import { BlockList, isIP } from 'node:net';

/** IPv4 ranges refused (IANA special-purpose registry, RFC 6890 and successors). */
const REFUSED_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services (169.254.169.254)
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes the broadcast 255.255.255.255
];

/** IPv6 ranges refused outright (those embedding IPv4 are unwrapped first: see embeddedV4). */
const REFUSED_V6: ReadonlyArray<readonly [string, number]> = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
];

const refused = new BlockList();
for (const [a, p] of REFUSED_V4) refused.addSubnet(a, p, 'ipv4');
for (const [a, p] of REFUSED_V6) refused.addSubnet(a, p, 'ipv6');

/** The 8 groups of an IPv6 address as numbers (expands `::` and a dotted IPv4 tail). */
function groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1]!.split('.').map(Number);
    text =
      text.slice(0, -dotted[1]!.length) +
      `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill: string[] = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 address carries, or null: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d, deprecated), IPv4-translated (::ffff:0:a.b.c.d), NAT64
 * (64:ff9b::/96 and 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo (2001::/32, client address
 * inverted).
 */
export function embeddedV4(ip: string): string | null {
  const g = groups(ip);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6]!, g[7]!);
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6]!, g[7]!);
  if (zeros(0, 6) && (g[6] !== 0 || g[7]! > 1)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && (zeros(2, 6) || g[2] === 1)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  if (g[0] === 0x2001 && g[1] === 0) return v4(g[6]! ^ 0xffff, g[7]! ^ 0xffff);
  return null;
}

/** Whether `ip` (a literal IPv4 or IPv6 address, brackets allowed) is a public unicast address. */
export function isPublicAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return !refused.check(bare, 'ipv4');
  if (family === 6) {
    if (refused.check(bare, 'ipv6')) return false;
    const inner = embeddedV4(bare);
    return inner === null || !refused.check(inner, 'ipv4');
  }
  return false; // not an IP literal: never "public" by itself
}

/**
 * The operator's exceptions: host names (exact, case-insensitive) and IP addresses or CIDRs
 * (`127.0.0.1`, `10.0.0.0/8`, `::1/128`). A host name on the list lets every address it resolves
 * to through; an address on the list is let through whatever name led to it.
 */
export class AllowList {
  readonly #hosts = new Set<string>();
  readonly #nets = new BlockList();

  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, '');
      if (!entry) continue;
      const [addr, prefix] = entry.split('/') as [string, string | undefined];
      const family = isIP(addr);
      if (family === 0) {
        if (prefix !== undefined) throw new TypeError(`not a CIDR: ${raw}`);
        this.#hosts.add(entry);
        continue;
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128))
        throw new TypeError(`not a CIDR: ${raw}`);
      this.#nets.addSubnet(addr, bits, type);
    }
  }

  host(name: string): boolean {
    return this.#hosts.has(name.toLowerCase().replace(/^\[|\]$/g, ''));
  }

  address(ip: string): boolean {
    const bare = ip.replace(/^\[|\]$/g, '');
    const family = isIP(bare);
    if (family === 0) return false;
    if (this.#nets.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return true;
    const inner = family === 6 ? embeddedV4(bare) : null;
    return inner !== null && this.#nets.check(inner, 'ipv4');
  }
}

/** Whether a connection to `ip`, reached through host name `host`, may be made. */
export function mayConnect(host: string, ip: string, allow: AllowList): boolean {
  return isPublicAddress(ip) || allow.host(host) || allow.address(ip);
}
