import { Redis } from 'ioredis';
import { redactUrl } from '../config/redact.js';
import { decodeEnvelope, type Envelope, encodeEnvelope } from './envelope.js';
import { withinMs } from './redis-deadline.js';

/** How a {@link ClusterBus} connects and whom it tells. */
export interface ClusterBusOptions {
  /** The Redis of the cluster: commands and publishing. */
  redisUrl: string;
  /** Where the subscriber connects, when not at `redisUrl` (another route to the same Redis). */
  subscriberUrl?: string | undefined;
  /** Key and channel prefix shared by the cluster's nodes. */
  prefix: string;
  nodeId: string;
  onMessage: (envelope: Envelope) => void;
  /** A message that could not be sent or read, or a lost Redis connection. */
  onError: (error: Error) => void;
  /**
   * A message nobody received (its node is gone or was not listening) or that could not be sent.
   * Pub/sub keeps nothing for later: the connection it belonged to has a gap and must restart.
   */
  onUndelivered: (nodeId: string, envelope: Envelope) => void;
  /**
   * This node's subscription came back after its connection dropped: anything sent to it
   * meanwhile is lost, so every forwarded connection must restart.
   */
  onResubscribed: () => void;
}

/**
 * Node-to-node messages over Redis pub/sub: each node listens on its own channel
 * (`<prefix>:node:<id>`) and publishes to the others'. Every publish goes over one connection, so
 * the messages one node sends another arrive in the order they were sent (a connection's frames
 * stay in order). The same connection runs the ownership commands.
 */
export class ClusterBus {
  private constructor(
    /** Commands and publishing. */
    readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly options: ClusterBusOptions,
  ) {}

  /** Connects and subscribes; rejects with what to do when Redis cannot be reached. */
  static async open(options: ClusterBusOptions): Promise<ClusterBus> {
    const connect = async (role: string, url: string): Promise<Redis> => {
      let ready = false;
      let refused: Error | undefined;
      const redis = new Redis(url, {
        lazyConnect: true,
        // Named in CLIENT LIST, for whoever runs the Redis.
        connectionName: `tandem-${options.nodeId}-${role}`,
        // Fail fast at start (the server says so and exits); once running, reconnect with backoff.
        retryStrategy: (times) => (ready ? Math.min(times * 200, 2_000) : null),
        maxRetriesPerRequest: 2,
      });
      redis.on('error', (error: Error) => {
        if (ready) options.onError(error);
        else refused = error;
      });
      try {
        await redis.connect();
      } catch (error) {
        redis.disconnect();
        throw new Error(
          `Redis at ${redactUrl(url)} is not reachable (${(refused ?? (error as Error)).message}): start it, or check the Redis URL`,
        );
      }
      ready = true;
      return redis;
    };
    const redis = await connect('commands', options.redisUrl);
    let subscriber: Redis;
    try {
      subscriber = await connect('subscriber', options.subscriberUrl ?? options.redisUrl);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    const bus = new ClusterBus(redis, subscriber, options);
    subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
      // Neither a malformed message nor a defect where one is delivered may escape into the Redis
      // client's reply parser (and from there end the process): both are reported, and the next
      // message is handled as usual.
      try {
        options.onMessage(decodeEnvelope(message));
      } catch (error) {
        options.onError(error as Error);
      }
    });
    await subscriber.subscribe(bus.channel(options.nodeId));
    // `ready` again means the connection dropped and came back (ioredis subscribes again itself).
    subscriber.on('ready', () => options.onResubscribed());
    return bus;
  }

  private channel(nodeId: string): string {
    return `${this.options.prefix}:node:${nodeId}`;
  }

  /** Sends `envelope` to node `nodeId` (dropped if that node is gone). */
  send(nodeId: string, envelope: Envelope): void {
    this.redis.publish(this.channel(nodeId), encodeEnvelope(envelope)).then(
      (receivers) => {
        if (receivers === 0) this.options.onUndelivered(nodeId, envelope);
      },
      (error: Error) => {
        this.options.onError(error);
        this.options.onUndelivered(nodeId, envelope);
      },
    );
  }

  /** Says goodbye to Redis, waiting at most `waitMs` for it to answer, then drops the connections. */
  async close(waitMs = 2_000): Promise<void> {
    await withinMs(waitMs, Promise.allSettled([this.subscriber.quit(), this.redis.quit()])).catch(() => {});
    this.subscriber.disconnect();
    this.redis.disconnect();
  }
}
