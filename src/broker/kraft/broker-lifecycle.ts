/**
 * A KRaft broker's lifecycle with the active controller (Kafka's BrokerLifecycleManager): register
 * (BrokerRegistration with its listeners and a fresh incarnation id), then heartbeat every
 * `broker.heartbeat.interval.ms` with the offset of the metadata it has applied. The controller answers fenced
 * until that offset reaches the registration, then unfences it (a restarted broker serves only once caught up).
 * A lost registration (STALE_BROKER_EPOCH, BROKER_ID_NOT_REGISTERED) registers again; a refusal that cannot
 * heal (DUPLICATE_BROKER_REGISTRATION while another incarnation stays alive past a session, INCONSISTENT_CLUSTER_ID)
 * fails the start-up with the controller's words. Stopping asks for a controlled shutdown (wantShutDown), so leaderships
 * move before the process goes.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, kafkaError } from '../../protocol/generated/error-codes.js';

const errorName = (code: number): string => kafkaError(code)?.name ?? `error ${code}`;
import type { BrokerRegistrationRequest, BrokerRegistrationResponse } from '../../protocol/generated/broker-registration.js';
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../../protocol/generated/broker-heartbeat.js';
import { SECURITY_PROTOCOLS } from '../../listeners/endpoints.js';
import type { Logger } from '../../logging/index.js';
import type { ControllerChannel } from './controller-channel.js';
import type { MetadataEndpoint } from './metadata-records.js';
import { DUPLICATE_REGISTRATION_MESSAGE } from './quorum-controller.js';

export type LifecycleState = 'registering' | 'fenced' | 'active' | 'stopped';

export interface BrokerLifecycleOptions {
  nodeId: number;
  clusterId: string;
  endpoints: MetadataEndpoint[];
  rack: string | null;
  logDirs: string[];
  heartbeatIntervalMs: number;
  channel: ControllerChannel;
  /**
   * How long DUPLICATE_BROKER_REGISTRATION is retried before the start-up fails: a little more than a session
   * (broker.session.timeout.ms), after which a dead previous incarnation has expired for sure.
   */
  duplicateRetryMs: number;
  /** Offset of the last metadata record this broker applied. */
  metadataOffset: () => number;
  logger: Logger;
}

export class BrokerRegistrationError extends Error {
  readonly code = 'KSTACK_BROKER_REGISTRATION';
}

export class BrokerLifecycle {
  readonly incarnationId = randomBytes(16).toString('base64url');
  state: LifecycleState = 'registering';
  brokerEpoch = -1;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly stateWaiters = new Set<() => void>();
  private fatal: Error | undefined;
  private duplicateSince: number | undefined;
  private readonly id: string;

  constructor(private readonly opts: BrokerLifecycleOptions) {
    this.id = `[BrokerLifecycleManager id=${opts.nodeId}]`;
  }

  /** Registers and starts heartbeating; resolves once the controller has unfenced this broker. */
  async start(timeoutMs: number): Promise<void> {
    this.timer = setInterval(() => this.beat(), this.opts.heartbeatIntervalMs);
    this.timer.unref();
    this.beat();
    await this.waitFor(() => this.state === 'active', timeoutMs);
  }

  private waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.fatal) return finish(this.fatal);
        if (cond()) return finish();
      };
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.stateWaiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => finish(new BrokerRegistrationError(`broker ${this.opts.nodeId} was not ${this.state === 'registering' ? 'registered' : 'unfenced'} by the KRaft controller within ${timeoutMs} ms (is a majority of controller.quorum.voters running?)`)), timeoutMs);
      this.stateWaiters.add(check);
      check();
    });
  }

  private setState(s: LifecycleState): void {
    if (this.state === s) return;
    const was = this.state;
    this.state = s;
    if (s === 'active') this.opts.logger.info(`${this.id} The broker is unfenced (broker epoch ${this.brokerEpoch})`);
    else if (s === 'fenced' && was === 'active') this.opts.logger.warn(`${this.id} The controller fenced this broker (broker epoch ${this.brokerEpoch})`);
    for (const w of [...this.stateWaiters]) w();
  }

  /** One registration or heartbeat round trip at a time; a slow one skips the next tick. */
  private beat(): void {
    if (this.inFlight || this.state === 'stopped') return;
    const deadline = Date.now() + Math.max(this.opts.heartbeatIntervalMs * 2, 3000);
    this.inFlight = (this.brokerEpoch < 0 ? this.register(deadline) : this.heartbeat(false, deadline).then(() => undefined))
      .catch((err: Error) => {
        if (this.state !== 'stopped') this.opts.logger.debug?.(`${this.id} ${this.brokerEpoch < 0 ? 'registration' : 'heartbeat'} failed: ${err.message}`);
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  private async register(deadline: number): Promise<void> {
    const req: BrokerRegistrationRequest = {
      brokerId: this.opts.nodeId,
      clusterId: this.opts.clusterId,
      incarnationId: this.incarnationId,
      listeners: this.opts.endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: Math.max(0, SECURITY_PROTOCOLS.indexOf(e.securityProtocol as (typeof SECURITY_PROTOCOLS)[number])) })),
      features: [{ name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: 21 }],
      rack: this.opts.rack,
      isMigratingZkBroker: false,
      logDirs: [],
      previousBrokerEpoch: -1n,
    };
    const res = await this.opts.channel.request<BrokerRegistrationResponse>(62, 1, req, (r) => r.errorCode, deadline);
    if (this.state === 'stopped') return;
    if (res.errorCode === ErrorCode.NONE) {
      this.brokerEpoch = Number(res.brokerEpoch);
      this.opts.logger.info(`${this.id} Registered with the controller: broker epoch ${this.brokerEpoch}, incarnation ${this.incarnationId}`);
      this.setState('fenced');
      // Ask at once: the broker may already have applied its own registration.
      await this.heartbeat(false, deadline);
      return;
    }
    const why = res.errorCode === ErrorCode.DUPLICATE_BROKER_REGISTRATION ? DUPLICATE_REGISTRATION_MESSAGE : '';
    const message = `Unable to register broker ${this.opts.nodeId} because the controller returned error ${errorName(res.errorCode)}${why ? `: ${why}` : ''}`;
    if (res.errorCode === ErrorCode.DUPLICATE_BROKER_REGISTRATION) {
      // This node's previous incarnation (killed, the machine restarted) may still have a session on the
      // controller: that heals once it expires. Another live process with this id does not: it keeps it alive.
      const now = Date.now();
      this.duplicateSince ??= now;
      if (now - this.duplicateSince < this.opts.duplicateRetryMs) {
        this.opts.logger.warn(`${this.id} ${message}; retrying until the previous registration's session expires`);
        throw new Error(message);
      }
    }
    if (res.errorCode === ErrorCode.DUPLICATE_BROKER_REGISTRATION || res.errorCode === ErrorCode.INCONSISTENT_CLUSTER_ID) {
      this.opts.logger.error(`${this.id} ${message}`);
      this.fatal = new BrokerRegistrationError(message);
      for (const w of [...this.stateWaiters]) w();
      return;
    }
    throw new Error(message);
  }

  private async heartbeat(wantShutDown: boolean, deadline: number): Promise<BrokerHeartbeatResponse> {
    const req: BrokerHeartbeatRequest = {
      brokerId: this.opts.nodeId,
      brokerEpoch: BigInt(this.brokerEpoch),
      currentMetadataOffset: BigInt(Math.max(0, this.opts.metadataOffset())),
      wantFence: false,
      wantShutDown,
      offlineLogDirs: [],
    };
    const res = await this.opts.channel.request<BrokerHeartbeatResponse>(63, 0, req, (r) => r.errorCode, deadline);
    if (this.state === 'stopped' && !wantShutDown) return res;
    if (res.errorCode === ErrorCode.STALE_BROKER_EPOCH || res.errorCode === ErrorCode.BROKER_ID_NOT_REGISTERED) {
      this.opts.logger.warn(`${this.id} The controller no longer knows broker epoch ${this.brokerEpoch} (${errorName(res.errorCode)}): registering again`);
      this.brokerEpoch = -1;
      this.setState('registering');
    } else if (res.errorCode === ErrorCode.NONE && !wantShutDown) {
      this.setState(res.isFenced ? 'fenced' : 'active');
    }
    return res;
  }

  /** Controlled shutdown: the controller fences this broker and moves its leaderships, then it may go. */
  async stop(timeoutMs = 2000): Promise<void> {
    if (this.state === 'stopped') return;
    const registered = this.brokerEpoch >= 0;
    this.state = 'stopped';
    if (this.timer) clearInterval(this.timer);
    if (!registered) return;
    try {
      await this.heartbeat(true, Date.now() + timeoutMs);
      this.opts.logger.info(`${this.id} Controlled shutdown: the controller has moved this broker's partitions`);
    } catch (err) {
      this.opts.logger.warn(`${this.id} Controlled shutdown was not acknowledged: ${(err as Error).message}`);
    }
  }
}
