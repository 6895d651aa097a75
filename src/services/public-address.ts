/**
 * Which addresses this API may fetch for a client (images for providers that take only inline data):
 * public ones only, so a request cannot make it reach a private network, the host itself or a cloud
 * metadata service (RELIABILITY.md case 26).
 *
 * What can be checked without DNS is checked here, on every runtime: the scheme (https), the port
 * (443), no credentials, IP literals in private, loopback, link-local, shared, reserved or multicast
 * ranges (IPv4, and IPv6 outside global unicast, which covers IPv4-mapped forms), and names that are
 * local by convention (`localhost`, `*.local`, `*.internal`, single-label names). A public name that
 * resolves to a private address is only caught where the runtime lets the connection be checked: the
 * Node entry's image fetch refuses such addresses when it connects (src/entry/node-image-fetch.ts);
 * a Cloudflare Worker cannot reach private networks at all.
 */

const localSuffixes = ['.localhost', '.local', '.internal', '.localdomain', '.lan', '.home.arpa', '.intranet', '.corp'];

/** IPv4 ranges that are not public: [first octets as a number, prefix length]. */
const privateIpv4Ranges: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function ipv4Number(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** True for a dotted IPv4 address in a public range; undefined when it is not an IPv4 address. */
export function isPublicIpv4(address: string): boolean | undefined {
  const value = ipv4Number(address);
  if (value === undefined) return undefined;
  return !privateIpv4Ranges.some(([start, prefix]) => {
    const size = 2 ** (32 - prefix);
    const first = ipv4Number(start) ?? 0;
    return value >= first && value < first + size;
  });
}

/** The eight 16-bit groups of an IPv6 address (brackets and a zone allowed), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!bare.includes(':')) return undefined;
  let text = bare;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const value = ipv4Number(dotted[1]);
    if (value === undefined) return undefined;
    text = `${text.slice(0, -dotted[1].length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (half: string | undefined) => (half === undefined || half === '' ? [] : half.split(':'));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  return groups.map((group) => Number.parseInt(group, 16));
}

/**
 * True for an IPv6 address in global unicast (2000::/3) outside documentation, Teredo and 6to4
 * (which embed other addresses); undefined when it is not an IPv6 address.
 */
export function isPublicIpv6(address: string): boolean | undefined {
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  const [first = 0, second = 0] = groups;
  if (first < 0x2000 || first > 0x3fff) return false;
  if (first === 0x2001 && (second === 0x0db8 || second === 0x0000)) return false;
  return first !== 0x2002;
}

/** True when an IP address (either family) is public; false for anything else, unparseable included. */
export function isPublicIpAddress(address: string): boolean {
  return isPublicIpv4(address) ?? isPublicIpv6(address) ?? false;
}

/** Why this URL may not be fetched for a client, or undefined when it may. */
export function refusedUrlReason(url: URL): string | undefined {
  if (url.protocol !== 'https:') return 'only https URLs are fetched';
  if (url.username !== '' || url.password !== '') return 'URLs with credentials are not fetched';
  if (url.port !== '' && url.port !== '443') return 'only the default https port is fetched';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const ipv4 = isPublicIpv4(host);
  const ipv6 = ipv4 === undefined ? isPublicIpv6(host) : undefined;
  if (ipv4 === false || ipv6 === false) return 'private, loopback and link-local addresses are not fetched';
  if (ipv4 === undefined && ipv6 === undefined) {
    if (host === 'localhost' || !host.includes('.') || localSuffixes.some((suffix) => host.endsWith(suffix)))
      return 'local host names are not fetched';
  }
  return undefined;
}
