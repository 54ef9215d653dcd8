// Where a webhook may deliver: http(s) URLs only, and no loopback, private, link-local or otherwise
// internal address unless the operator allowed it. Names are resolved and every address is checked; the
// delivery then connects to the checked address, so a name cannot resolve to another one in between.
import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { IpcError } from "./errors.js";

/** Resolves a host name to all its addresses (node:dns lookup with `all: true`). */
export type LookupAll = (host: string) => Promise<{ address: string; family: 4 | 6 }[]>;

/** The system resolver. */
export const systemLookup: LookupAll = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** A checked destination: connect to `address`, send `host` as the Host header and TLS server name. */
export interface WebhookTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

const internal4 = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  internal4.addSubnet(net, bits, "ipv4");
}
const internal6 = new BlockList();
for (const [net, bits] of [
  ["::", 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ["100::", 64],
  ["2001::", 32], // Teredo
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  internal6.addSubnet(net, bits, "ipv6");
}

/** The 16 bytes of an IPv6 address in text form (with `::` and a dotted IPv4 tail allowed). */
function ipv6Bytes(text: string): number[] {
  let s = text.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted?.[1]) {
    const p = dotted[1].split(".").map(Number);
    s = `${s.slice(0, -dotted[1].length)}${(((p[0] ?? 0) << 8) | (p[1] ?? 0)).toString(16)}:${(((p[2] ?? 0) << 8) | (p[3] ?? 0)).toString(16)}`;
  }
  const [head = "", tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** True for loopback, private, link-local, multicast, documentation and other non-public addresses. */
export function isInternalAddress(address: string): boolean {
  const v = isIP(address.replace(/%.*$/, ""));
  if (v === 4) return internal4.check(address, "ipv4");
  if (v !== 6) return true;
  const b = ipv6Bytes(address);
  const v4 = (i: number) => b.slice(i, i + 4).join(".");
  const prefix = (n: number) => b.slice(0, n);
  // Addresses that carry an IPv4 address are judged by it: mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4.
  if (prefix(10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return isInternalAddress(v4(12));
  if (
    b[0] === 0 &&
    b[1] === 0x64 &&
    b[2] === 0xff &&
    b[3] === 0x9b &&
    prefix(12)
      .slice(4)
      .every((x) => x === 0)
  )
    return isInternalAddress(v4(12));
  if (b[0] === 0x20 && b[1] === 0x02) return isInternalAddress(v4(2));
  return internal6.check(address.replace(/%.*$/, ""), "ipv6");
}

/** Checks a webhook URL's form: http or https, a host, no credentials, no newline. */
export function checkWebhookUrl(text: unknown): URL {
  if (typeof text !== "string" || text.length === 0 || text.length > 2048 || /[\s]/.test(text)) {
    throw new IpcError(
      "invalid_argument",
      "url must be an http(s) URL of at most 2048 characters, without spaces",
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IpcError("invalid_argument", `url is not a URL: '${text}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new IpcError("invalid_argument", `webhooks deliver over http or https only, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new IpcError("invalid_argument", "url must not hold credentials; the signature proves the sender");
  }
  return url;
}

/**
 * Resolves a webhook URL to the address to connect to, refusing (forbidden) internal addresses unless
 * `allowPrivate`. A name with any internal address is refused as a whole.
 */
export async function resolveWebhookTarget(
  text: string,
  allowPrivate: boolean,
  lookup: LookupAll = systemLookup,
): Promise<WebhookTarget> {
  const url = checkWebhookUrl(text);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: { address: string; family: 4 | 6 }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await lookup(host);
    } catch (e) {
      const code = (e as { code?: string }).code ?? "error";
      throw new IpcError("unavailable", `cannot resolve ${host} (${code})`);
    }
  }
  const first = addresses[0];
  if (!first) throw new IpcError("unavailable", `${host} has no address`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => isInternalAddress(a.address));
    if (bad) {
      const where = bad.address === host ? `${host} is` : `${host} resolves to ${bad.address},`;
      throw new IpcError(
        "forbidden",
        `${where} a loopback, private or link-local address; webhooks reach those only with --allow-private`,
      );
    }
  }
  return { url, address: first.address, family: first.family };
}
