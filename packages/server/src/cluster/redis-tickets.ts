import type { Redis } from 'ioredis';
import type { TicketStore } from '../auth/index.js';

/**
 * KEYS[1] the ticket, KEYS[2] the user's count; ARGV[1] value, ARGV[2] lifetime ms, ARGV[3] limit.
 * The count lives one ticket lifetime from the user's first ticket in it: a fixed window, one key.
 */
const PUT = `local n = redis.call('incr', KEYS[2])
if n == 1 then redis.call('pexpire', KEYS[2], ARGV[2]) end
if n > tonumber(ARGV[3]) then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/**
 * Connection tickets in the cluster's Redis (`<prefix>:ticket:<hash>`, expiring with the ticket),
 * so any server can take a ticket another issued, and GETDEL makes taking it atomic: of two
 * servers presented the same ticket at once, one gets it.
 */
export class RedisTicketStore implements TicketStore {
  /**
   * @param redis - The cluster's command connection.
   * @param prefix - The cluster's key prefix.
   * @param ttlMs - How long a ticket is kept.
   * @param perUser - Tickets one user may be issued within `ttlMs`.
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly perUser: number,
  ) {}

  async put(key: string, value: string, user: string): Promise<boolean> {
    const stored = await this.redis.eval(
      PUT,
      2,
      `${this.prefix}:ticket:${key}`,
      `${this.prefix}:tickets:${user}`,
      value,
      String(this.ttlMs),
      String(this.perUser),
    );
    return stored === 1;
  }

  async take(key: string): Promise<string | undefined> {
    return (await this.redis.getdel(`${this.prefix}:ticket:${key}`)) ?? undefined;
  }
}
