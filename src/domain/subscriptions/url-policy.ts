// Where webhooks may go (no SSRF): in production only https, and never to an address inside the
// network Foyer runs in: loopback, private (RFC 1918, unique-local), carrier-grade NAT, link-local
// (which holds the clouds' metadata service, 169.254.169.254), multicast, reserved and unspecified,
// and IPv4 reached through IPv6 (mapped, NAT64) in those ranges. Development and tests may also post
// to loopback, where a developer's receiver runs. The URL is checked when it is saved and every
// address it resolves to is checked again when a delivery connects (against DNS rebinding): the
// connection goes to the address checked, never to a second lookup.
import { BlockList, isIP } from 'node:net';

const BLOCKED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const BLOCKED_V6 = [
  ['::', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const;

const LOOPBACK_V4: readonly [string, number] = ['127.0.0.0', 8];
const LOOPBACK_V6: readonly [string, number] = ['::1', 128];

function blockList(allowLoopback: boolean): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of BLOCKED_V4) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of BLOCKED_V6) list.addSubnet(network, prefix, 'ipv6');
  if (!allowLoopback) {
    list.addSubnet(LOOPBACK_V4[0], LOOPBACK_V4[1], 'ipv4');
    list.addSubnet(LOOPBACK_V6[0], LOOPBACK_V6[1], 'ipv6');
  }
  return list;
}

const PRODUCTION = blockList(false);
const DEVELOPMENT = blockList(true);

/** The IPv4 address an IPv4-mapped or -compatible IPv6 address carries (::ffff:a.b.c.d), if any. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^::(?:ffff:(?:0:)?)?((?:\d{1,3}\.){3}\d{1,3})$/i.exec(address);
  if (match) return match[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Whether a webhook may connect to this IP address (production: no loopback either). */
export function isAllowedAddress(address: string, production: boolean): boolean {
  const list = production ? PRODUCTION : DEVELOPMENT;
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4 !== undefined) return !list.check(v4, 'ipv4');
    return !list.check(bare, 'ipv6');
  }
  return !list.check(bare, 'ipv4');
}

/** What is wrong with a webhook URL as written (scheme, credentials, a literal address), or undefined. */
export function checkUrlSyntax(value: string, production: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (value.length > 2000) return 'is longer than 2000 characters';
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) return production ? 'must be https' : 'must be http or https';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a fragment';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !isAllowedAddress(host, production)) return 'must not point to a loopback, private, link-local or reserved address';
  if (production && (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || !host.includes('.'))) return 'must name a public host';
  return undefined;
}
