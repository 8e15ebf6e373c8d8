// Outbound requests to addresses a tenant configured (discovery documents, token and userinfo
// endpoints, metadata; SECURITY.md 31). In production they never reach loopback, private,
// link-local, carrier-grade NAT or cloud-metadata addresses: the check is made on the addresses the
// name resolves to when the connection is opened, so a name that resolves to a public address for
// a check and to 169.254.169.254 for the request (DNS rebinding) is refused too.
import { lookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) BLOCKED.addSubnet(network, prefix, 'ipv6');

/** Whether an outbound request may go to this IP address (IPv4-mapped IPv6 judged as its IPv4). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return !BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return !BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Refused: the request would reach an address outbound requests may not (the message names the host only). */
export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError';
}

const guardedAgent = new Agent({
  connect: {
    lookup(hostname, options, callback) {
      lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        const allowed = addresses.filter((entry) => isPublicAddress(entry.address));
        if (allowed.length === 0) return callback(new ForbiddenAddressError(`${hostname} resolves to an address outbound requests may not reach`), '', 0);
        // What undici asked for: one address, or all of them.
        if ((options as { all?: boolean }).all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
        return callback(null, allowed[0]!.address, allowed[0]!.family);
      });
    },
  },
  connectTimeout: 10_000,
  headersTimeout: 10_000,
  bodyTimeout: 10_000,
});

export type OutboundFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` for tenant-configured URLs: guarded in production (`guard`), plain otherwise, so that a
 * developer's upstream on this machine works. An IP literal is judged before any connection.
 */
export function outboundFetch(guard: boolean): OutboundFetch {
  if (!guard) return (input, init) => globalThis.fetch(input, init);
  return async (input, init) => {
    const url = new URL(input);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !isPublicAddress(host)) throw new ForbiddenAddressError(`${url.host} is an address outbound requests may not reach`);
    return globalThis.fetch(input, { ...init, redirect: 'manual', dispatcher: guardedAgent } as RequestInit);
  };
}
