import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The reverse proxies (addresses and CIDR ranges) whose `X-Forwarded-For` is believed, and the
 * client address a request is counted against: behind a proxy every client shares the proxy's
 * socket address, so one client's refusals would otherwise be everyone's.
 */
export class TrustedProxies {
  private constructor(
    private readonly list: BlockList,
    private readonly empty: boolean,
  ) {}

  /**
   * Reads a comma-separated list of IPv4/IPv6 addresses and CIDR ranges (`10.0.0.0/8`,
   * `fd00::/8`); empty trusts nobody. Throws an Error saying which entry is wrong and why.
   */
  static parse(raw: string): TrustedProxies {
    const list = new BlockList();
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    for (const entry of entries) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address);
      if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) {
        list.addAddress(address, type);
        continue;
      }
      const bits = family === 4 ? 32 : 128;
      if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits)
        throw new Error(`"${entry}": the prefix must be 0 to ${bits}`);
      list.addSubnet(address, Number(prefix), type);
    }
    return new TrustedProxies(list, entries.length === 0);
  }

  /** Whether `address` is one of the trusted proxies. */
  has(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client's address: the socket's peer, unless the peer is a trusted proxy, in which case the
   * right-most `X-Forwarded-For` address that is not itself a trusted proxy (what a client writes
   * in the header itself sits to the left of what the proxies append, so it is never reached). An
   * entry that is not an address ends the walk at the hop that forwarded it.
   */
  clientAddress(peer: string, forwardedFor: string | readonly string[] | undefined): string {
    let client = plainAddress(peer) ?? peer;
    if (this.empty || forwardedFor === undefined) return client;
    const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor)
      .flatMap((header) => header.split(','))
      .map((hop) => hop.trim())
      .filter((hop) => hop !== '');
    for (let i = hops.length - 1; i >= 0 && this.has(client); i--) {
      const next = plainAddress(hops[i]!);
      if (next === undefined) break;
      client = next;
    }
    return client;
  }

  /** {@link clientAddress} of a request. */
  of(req: IncomingMessage): string {
    return this.clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for']);
  }
}

/**
 * `hop` as a bare address, IPv4 unmapped from IPv6 so one client has one key, with any port a
 * proxy added (`203.0.113.7:80`, `[2001:db8::5]:4711`) dropped; undefined when it is not an address.
 */
function plainAddress(hop: string): string | undefined {
  let address = hop;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  return isIP(address) === 0 ? undefined : address.toLowerCase();
}
