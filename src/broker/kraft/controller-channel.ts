/**
 * A broker's channel to the active KRaft controller: requests go to the quorum leader the local Raft node knows
 * (brokers follow the metadata log as observers, so they learn it from the quorum), else to the voters in turn,
 * over their CONTROLLER endpoints (`controller.quorum.voters`). An answer of NOT_CONTROLLER, or a failed
 * connection, moves on to the next candidate after a short pause, until the deadline.
 */
import { WireConnection } from '../../client/wire.js';
import type { Logger } from '../../logging/index.js';
import type { VoterEndpoint } from '../raft/runtime/controller.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';

export interface ControllerChannelOptions {
  nodeId: number;
  voters: VoterEndpoint[];
  /** The quorum leader as the local Raft node knows it (-1: unknown). */
  leaderId: () => number;
  logger: Logger;
}

export class ControllerUnavailableError extends Error {
  readonly code = 'KSTACK_NO_CONTROLLER';
}

export class ControllerChannel {
  private readonly conns = new Map<number, WireConnection>();
  private next = 0;
  private closed = false;

  constructor(private readonly opts: ControllerChannelOptions) {}

  /**
   * Sends one request to the active controller. `errorOf` reads the answer's controller-level error code
   * (NOT_CONTROLLER → retried elsewhere); any other answer is returned to the caller as it is.
   */
  async request<T>(apiKey: number, version: number, body: unknown, errorOf: (res: T) => number, deadlineMs: number): Promise<T> {
    let lastError = 'no controller answered';
    for (let attempt = 0; !this.closed; attempt++) {
      const remaining = deadlineMs - Date.now();
      if (remaining <= 0) break;
      const target = this.pick(attempt);
      try {
        const conn = await this.connection(target, Math.min(remaining, 2000));
        const res = await conn.request<T>(apiKey, version, body, { timeoutMs: Math.max(1, Math.min(remaining, 10000)) });
        if (errorOf(res) !== ErrorCode.NOT_CONTROLLER) return res;
        lastError = `controller ${target.id} is not the active controller`;
      } catch (err) {
        lastError = `controller ${target.id} at ${target.host}:${target.port}: ${(err as Error).message}`;
        this.drop(target.id);
      }
      await new Promise((r) => setTimeout(r, Math.min(50 * (attempt + 1), 500)));
    }
    throw new ControllerUnavailableError(this.closed ? 'the broker is shutting down' : lastError);
  }

  close(): void {
    this.closed = true;
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }

  private pick(attempt: number): VoterEndpoint {
    const leader = this.opts.leaderId();
    const known = this.opts.voters.find((v) => v.id === leader);
    // The known leader first; every other attempt a voter in turn (the leader may have changed meanwhile).
    if (known && attempt % 2 === 0) return known;
    return this.opts.voters[this.next++ % this.opts.voters.length];
  }

  private async connection(v: VoterEndpoint, timeoutMs: number): Promise<WireConnection> {
    const open = this.conns.get(v.id);
    if (open && !open.closed) return open;
    const conn = await WireConnection.connect({ host: v.host, port: v.port, connectTimeoutMs: timeoutMs, clientId: `broker-${this.opts.nodeId}-to-controller` });
    if (this.closed) {
      conn.close();
      throw new ControllerUnavailableError('the broker is shutting down');
    }
    this.conns.set(v.id, conn);
    return conn;
  }

  private drop(id: number): void {
    this.conns.get(id)?.close();
    this.conns.delete(id);
  }
}
