/**
 * A small promise layer over node-zookeeper-client (pure JS, well used, no native build), exposing only what a
 * Kafka broker needs: connect with a deadline, create (persistent / ephemeral), read, write, list, delete,
 * and the session lifecycle events.
 */
import zookeeper from 'node-zookeeper-client';
import { KstackError } from '../../errors.js';

const { CreateMode, Exception } = zookeeper;

export interface ZkSessionEvents {
  /** The session expired: every ephemeral znode of this session is gone; re-register on a new session. */
  onExpired?: () => void;
  onDisconnected?: () => void;
  onConnected?: () => void;
}

export class ZkClient {
  private constructor(
    private readonly client: zookeeper.Client,
    readonly connectString: string,
  ) {}

  /** Connects to `hostsAndChroot` ("h:p,h:p/chroot"); the chroot must exist (see ensureChroot). */
  static async connect(hostsAndChroot: string, opts: { sessionTimeoutMs: number; connectTimeoutMs: number } & ZkSessionEvents): Promise<ZkClient> {
    const client = zookeeper.createClient(hostsAndChroot, { sessionTimeout: opts.sessionTimeoutMs, spinDelay: 200, retries: 0 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(
          new KstackError('KSTACK_ZK_UNREACHABLE', `could not connect to ZooKeeper at ${hostsAndChroot} within ${opts.connectTimeoutMs} ms`, {
            fix: 'start the ZooKeeper ensemble first (`kstack up --mode zk` does), or correct zookeeper.connect in server.properties',
          }),
        );
      }, opts.connectTimeoutMs);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.connect();
    });
    client.on('state', (state) => {
      if (state === zookeeper.State.EXPIRED) opts.onExpired?.();
      else if (state === zookeeper.State.DISCONNECTED) opts.onDisconnected?.();
      else if (state === zookeeper.State.SYNC_CONNECTED) opts.onConnected?.();
    });
    return new ZkClient(client, hostsAndChroot);
  }

  /** Creates the chroot path (Kafka does this too) through a client without chroot. */
  static async ensureChroot(hosts: string, chroot: string, connectTimeoutMs: number): Promise<void> {
    if (chroot === '' || chroot === '/') return;
    const root = await ZkClient.connect(hosts, { sessionTimeoutMs: 10_000, connectTimeoutMs });
    try {
      await root.mkdirp(chroot);
    } finally {
      root.close();
    }
  }

  sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  mkdirp(path: string): Promise<void> {
    return new Promise((resolve, reject) => this.client.mkdirp(path, (err) => (err ? reject(err) : resolve())));
  }

  /** Creates a znode; returns false when it exists already. */
  create(path: string, data: string, mode: 'persistent' | 'ephemeral'): Promise<boolean> {
    const createMode = mode === 'ephemeral' ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT;
    return new Promise((resolve, reject) =>
      this.client.create(path, Buffer.from(data), createMode, (err) => {
        if (!err) resolve(true);
        else if (isZkError(err, Exception.NODE_EXISTS)) resolve(false);
        else reject(err);
      }),
    );
  }

  /** Returns the data, or null when the znode does not exist. */
  getData(path: string, watcher?: () => void): Promise<{ data: string; ephemeralOwner: string; version: number } | null> {
    return new Promise((resolve, reject) => {
      const callback = (err: Error | zookeeper.Exception | null, data: Buffer, stat: zookeeper.Stat): void => {
        if (!err) resolve({ data: data ? data.toString('utf8') : '', ephemeralOwner: stat.ephemeralOwner.toString('hex'), version: stat.version });
        else if (isZkError(err, Exception.NO_NODE)) resolve(null);
        else reject(err);
      };
      if (watcher) this.client.getData(path, () => watcher(), callback);
      else this.client.getData(path, callback);
    });
  }

  setData(path: string, data: string): Promise<void> {
    return new Promise((resolve, reject) => this.client.setData(path, Buffer.from(data), (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Writes only when the znode's version is still `expectedVersion` (Kafka's conditional updates: a stale
   * writer loses). Resolves the new version, or null when the version moved on (BADVERSION) or the znode is gone.
   */
  setDataIfVersion(path: string, data: string, expectedVersion: number): Promise<number | null> {
    return new Promise((resolve, reject) =>
      this.client.setData(path, Buffer.from(data), expectedVersion, (err, stat) => {
        if (!err) resolve(stat.version);
        else if (isZkError(err, Exception.BAD_VERSION) || isZkError(err, Exception.NO_NODE)) resolve(null);
        else reject(err);
      }),
    );
  }

  /** Children names, or [] when the znode does not exist. */
  getChildren(path: string, watcher?: () => void): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const callback = (err: Error | zookeeper.Exception | null, children: string[]): void => {
        if (!err) resolve(children);
        else if (isZkError(err, Exception.NO_NODE)) resolve([]);
        else reject(err);
      };
      if (watcher) this.client.getChildren(path, () => watcher(), callback);
      else this.client.getChildren(path, callback);
    });
  }

  /** Watches a path for creation or deletion; resolves whether it exists now. */
  exists(path: string, watcher?: () => void): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const callback = (err: Error | zookeeper.Exception | null, stat: zookeeper.Stat): void => (err ? reject(err) : resolve(Boolean(stat)));
      if (watcher) this.client.exists(path, () => watcher(), callback);
      else this.client.exists(path, callback);
    });
  }

  remove(path: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.remove(path, (err) => (!err || isZkError(err, Exception.NO_NODE) ? resolve() : reject(err))),
    );
  }

  close(): void {
    this.client.close();
  }
}

function isZkError(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && 'getCode' in err && (err as zookeeper.Exception).getCode() === code;
}
