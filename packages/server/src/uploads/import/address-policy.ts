import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Why an address is not one an import may connect to. */
export type BlockedRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'carrier-grade NAT'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

type Rule = readonly [range: BlockedRange, network: string, prefix: number];

// First match wins, so the broadcast address is named before the reserved block around it.
const IPV4_RULES: ReadonlyArray<Rule> = [
  ['unspecified', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['carrier-grade NAT', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16],
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24], // IETF protocol assignments
  ['reserved', '192.0.2.0', 24], // documentation
  ['reserved', '192.88.99.0', 24], // 6to4 relay anycast
  ['private', '192.168.0.0', 16],
  ['reserved', '198.18.0.0', 15], // benchmarking
  ['reserved', '198.51.100.0', 24], // documentation
  ['reserved', '203.0.113.0', 24], // documentation
  ['multicast', '224.0.0.0', 4],
  ['broadcast', '255.255.255.255', 32],
  ['reserved', '240.0.0.0', 4],
];

// Only global unicast (2000::/3) is allowed at all; these are the special blocks inside it,
// plus the named ones outside it so refusals say what they are.
const IPV6_RULES: ReadonlyArray<Rule> = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['link-local', 'fe80::', 10],
  ['reserved', 'fec0::', 10], // site-local, deprecated
  ['unique-local', 'fc00::', 7],
  ['multicast', 'ff00::', 8],
  ['reserved', '2001::', 23], // IETF protocol assignments, Teredo among them
  ['reserved', '2001:db8::', 32], // documentation
  ['reserved', '3fff::', 20], // documentation
];

function compile(rules: ReadonlyArray<Rule>, family: 'ipv4' | 'ipv6'): ReadonlyArray<readonly [BlockedRange, BlockList]> {
  return rules.map(([range, network, prefix]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return [range, list] as const;
  });
}

const IPV4_BLOCKS = compile(IPV4_RULES, 'ipv4');
const IPV6_BLOCKS = compile(IPV6_RULES, 'ipv6');
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/**
 * The blocked range an IP address falls in, or undefined when it is a public address an import
 * may connect to. IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) are judged by that IPv4 address; anything that is not an IP
 * address at all counts as reserved.
 */
export function blockedRange(address: string): BlockedRange | undefined {
  if (isIPv4(address)) return IPV4_BLOCKS.find(([, list]) => list.check(address, 'ipv4'))?.[0];
  // A zone index (fe80::1%eth0) only ever comes with link-local addresses.
  if (address.includes('%')) return 'link-local';
  if (!isIPv6(address)) return 'reserved';
  const groups = ipv6Groups(address);
  const embedded = embeddedIPv4(groups);
  if (embedded !== undefined) return blockedRange(embedded);
  const canonical = groups.map((group) => group.toString(16)).join(':');
  const named = IPV6_BLOCKS.find(([, list]) => list.check(canonical, 'ipv6'))?.[0];
  if (named) return named;
  return GLOBAL_UNICAST.check(canonical, 'ipv6') ? undefined : 'reserved';
}

/** The eight 16-bit groups of a valid IPv6 address; the URL parser does the normalising. */
function ipv6Groups(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16));
}

function embeddedIPv4(groups: ReadonlyArray<number>): string | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const quad = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0xffff) return quad(g6, g7); // IPv4-mapped
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return quad(g6, g7); // NAT64
  if (g0 === 0x2002) return quad(g1, g2); // 6to4
  return undefined;
}
