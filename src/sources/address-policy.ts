/**
 * Which IP addresses "Add a web page" may connect to. Everything that is not the public internet is
 * refused (unless ALLOW_PRIVATE_URLS=true), so Docent cannot be used to reach services on its own
 * network: loopback, private (RFC 1918, unique-local fc00::/7), link-local (169.254/16 with the
 * cloud metadata address, fe80::/10), CGNAT (100.64/10), multicast, "this network" (0/8),
 * benchmarking, documentation and reserved ranges, and the broadcast address.
 *
 * Judged on the address the host name resolved to (the fetcher connects to exactly that address),
 * never on the URL's spelling: decimal, octal and hex IPv4 forms are normalised by the URL parser,
 * and an IPv4-mapped or -compatible IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 inside it.
 */
import net from 'node:net';

const blocked = new net.BlockList();
const V4: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const V6: Array<[string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2001::', 23],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];
for (const [a, p] of V4) blocked.addSubnet(a, p, 'ipv4');
for (const [a, p] of V6) blocked.addSubnet(a, p, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), -compatible (::a.b.c.d) or NAT64 (64:ff9b::) IPv6 address. */
function embeddedV4(ip: string): string | undefined {
  const m = /^(?:::ffff:|::|64:ff9b::)(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip.toLowerCase());
  if (m) {
    const hi = parseInt(m[1]!, 16);
    const lo = parseInt(m[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const dotted = /^(?:::ffff:|::|64:ff9b::)(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return dotted?.[1];
}

/** True when `ip` (an address, not a name) is not on the public internet. Not an IP at all: true. */
export function isPrivateAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedV4(ip);
  if (v4 !== undefined && net.isIPv4(v4)) return blocked.check(v4, 'ipv4');
  return blocked.check(ip, 'ipv6');
}
