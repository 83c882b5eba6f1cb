/**
 * The broker's logs across `log.dirs`. Each log dir holds, besides its `<topic>-<partition>/` directories:
 *
 *   meta.properties                    which node and cluster own the dir (meta-properties.ts)
 *   recovery-point-offset-checkpoint   "<topic> <partition> <offset>" per partition: below it, everything was
 *                                      fsynced and recovery need not scan (checkpoint-file.ts format)
 *   log-start-offset-checkpoint        "<topic> <partition> <offset>" per partition whose log start offset is
 *                                      above its first segment's base offset (DeleteRecords, as Kafka writes it)
 *   replication-offset-checkpoint      "<topic> <partition> <high watermark>" per partition (Kafka's file of the same
 *                                      name); read at start, used by the replica manager for replicated partitions
 *                                      (a single node's high watermark is its log end, as before)
 *   .kafka_cleanshutdown               written last by a clean close(); its absence at start means the previous
 *                                      stop was unclean, so every partition in that dir runs recovery. Content as
 *                                      Kafka's CleanShutdownFileHandler (JSON form): {"version":0,"brokerEpoch":-1}
 *
 * The marker is removed once start-up has loaded everything, so a crash from then on is noticed next time.
 * New partitions go to the dir with the fewest partitions. One coarse timer runs flush.ms flushes, segment.ms
 * rolls, retention (log.retention.check.interval.ms) and the checkpoints (log.flush.offset.checkpoint.interval.ms).
 */
import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KstackError } from '../../errors.js';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file.js';
import { normalizeUuid, parsePartitionDirName, partitionDirName, writeFileAtomic } from './file-format.js';
import { validateLogConfig, type LogConfig, type StorageLogger } from './log-config.js';
import { ensureMetaProperties } from './meta-properties.js';
import { readPartitionMetadata } from './partition-metadata.js';
import { PartitionLog, type PartitionLogOptions } from './partition-log.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';

export interface LogManagerOptions {
  logDirs: string[];
  nodeId: number;
  clusterId: string;
  defaults: LogConfig;
  /** Per-topic configs for partitions found on disk at start-up (topic configs live in metadata). */
  topicConfig?: (topic: string) => LogConfig | undefined;
  clock?: () => number;
  logger?: StorageLogger;
  /** log.retention.check.interval.ms (default 300000). */
  retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (default 60000). */
  checkpointIntervalMs?: number;
  /** How often the background timer wakes (default 1000 ms; flush.ms is honoured to this granularity). */
  tickMs?: number;
  /** Passed to every PartitionLog: replaces the default decompressor of timestamp searches (tests, experiments). */
  decompress?: PartitionLogOptions['decompress'];
}

const key = (topic: string, partition: number) => `${topic} ${partition}`;

export class LogManager {
  readonly logDirs: string[];
  /** Whether the previous stop was clean (every log dir had the marker); recovery ran when not. */
  readonly cleanShutdown: boolean;
  private readonly logs = new Map<string, { log: PartitionLog; logDir: string }>();
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private lastRetention: number;
  private lastCheckpoint: number;
  private closed = false;
  /** High watermarks from replication-offset-checkpoint at start-up, by "<topic> <partition>". */
  private readonly checkpointedHw = new Map<string, number>();

  private constructor(private readonly opts: LogManagerOptions, cleanShutdown: boolean) {
    this.logDirs = opts.logDirs.map((d) => resolve(d));
    this.cleanShutdown = cleanShutdown;
    this.clock = opts.clock ?? Date.now;
    this.lastRetention = this.clock();
    this.lastCheckpoint = this.clock();
  }

  static open(opts: LogManagerOptions): LogManager {
    if (opts.logDirs.length === 0) {
      throw new KstackError('KSTACK_BROKER_CONFIG', 'log.dirs is empty', { fix: 'Set log.dirs (or log.dir) in server.properties.' });
    }
    const dirs = opts.logDirs.map((d) => resolve(d));
    if (new Set(dirs).size !== dirs.length) {
      throw new KstackError('KSTACK_BROKER_CONFIG', `log.dirs lists a directory twice: ${opts.logDirs.join(',')}`, {
        fix: 'List each directory once in log.dirs.',
      });
    }
    const problems = validateLogConfig(opts.defaults);
    if (problems.length > 0) {
      throw new KstackError('KSTACK_BROKER_CONFIG', `Invalid log settings: ${problems.join('; ')}`, { fix: 'Correct these settings in server.properties.' });
    }
    const clock = opts.clock ?? Date.now;
    for (const dir of dirs) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw new KstackError('KSTACK_LOG_DIR', `Cannot create log dir ${dir}: ${(err as Error).message}`, {
          fix: `Check that ${dir} is writable, or point log.dirs elsewhere.`,
          cause: err,
        });
      }
      ensureMetaProperties(dir, opts.nodeId, opts.clusterId, new Date(clock()));
    }
    // Recovery is decided per dir, as Kafka does; a dir with no partitions has nothing to recover.
    const uncleanDirs = new Set(dirs.filter((dir) => !existsSync(join(dir, CLEAN_SHUTDOWN_FILE)) && listPartitionDirs(dir).length > 0));
    const clean = uncleanDirs.size === 0;
    const manager = new LogManager(opts, clean);
    manager.loadAll(uncleanDirs);
    for (const dir of dirs) {
      try {
        unlinkSync(join(dir, CLEAN_SHUTDOWN_FILE));
      } catch {
        /* not there */
      }
    }
    if (!clean) opts.logger?.warn(`Previous shutdown was not clean; recovered ${manager.logs.size} partition(s) in ${dirs.join(', ')}`);
    return manager;
  }

  private loadAll(uncleanDirs: Set<string>): void {
    for (const logDir of this.logDirs) {
      const recoveryPoints = readOffsetCheckpoint(join(logDir, RECOVERY_POINT_CHECKPOINT));
      const startOffsets = readOffsetCheckpoint(join(logDir, LOG_START_OFFSET_CHECKPOINT));
      for (const [k, hw] of readOffsetCheckpoint(join(logDir, REPLICATION_OFFSET_CHECKPOINT))) this.checkpointedHw.set(k, hw);
      for (const { name, topic, partition } of listPartitionDirs(logDir)) {
        const k = key(topic, partition);
        const existing = this.logs.get(k);
        if (existing) {
          throw new KstackError('KSTACK_LOG_DIR', `Partition ${topic}-${partition} is in two log dirs: ${existing.logDir} and ${logDir}`, {
            fix: `Remove the copy that should not be used (${join(logDir, name)} or ${join(existing.logDir, name)}).`,
          });
        }
        const dir = join(logDir, name);
        const topicId = readPartitionMetadata(dir);
        if (!topicId) {
          this.opts.logger?.warn(`Skipping ${dir}: it has no partition.metadata (topic id unknown)`);
          continue;
        }
        const log = PartitionLog.open(dir, topic, partition, topicId, this.opts.topicConfig?.(topic) ?? this.opts.defaults, {
          ...this.logOptions(),
          recover: uncleanDirs.has(logDir),
          recoveryPoint: recoveryPoints.get(k),
          logStartOffset: startOffsets.get(k),
        });
        this.logs.set(k, { log, logDir });
      }
    }
  }

  private logOptions(): Omit<PartitionLogOptions, 'recover'> {
    return {
      clock: this.clock,
      logger: this.opts.logger,
      decompress: this.opts.decompress,
      onLogStartOffsetChange: (log) => this.checkpointLogStartOffsets(this.logs.get(key(log.topic, log.partition))?.logDir),
    };
  }

  /** The partition's log, created (in the log dir with the fewest partitions) when it does not exist. */
  getOrCreate(topic: string, partition: number, topicId: string, config?: LogConfig): PartitionLog {
    this.ensureOpen();
    const existing = this.logs.get(key(topic, partition));
    if (existing) {
      if (normalizeUuid(topicId) !== existing.log.topicId) {
        // Kafka's InconsistentTopicIdException: the files belong to an older topic of the same name.
        throw new KstackError('KSTACK_LOG_TOPIC_ID', `${topic}-${partition} on disk has topic id ${existing.log.topicId}, not ${topicId}`, {
          fix: `Delete the old partition first (LogManager.deletePartition), or remove ${join(existing.logDir, partitionDirName(topic, partition))}.`,
        });
      }
      if (config) existing.log.updateConfig(config);
      return existing.log;
    }
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..') {
      throw new KstackError('KSTACK_LOG_TOPIC_NAME', `Topic name ${JSON.stringify(topic)} is not valid`, {
        fix: "Use 1-249 characters from ASCII letters, digits, '.', '_' and '-'.",
      });
    }
    if (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
      throw new KstackError('KSTACK_LOG_PARTITION', `Partition ${partition} of ${topic} is not a valid partition number`);
    }
    if (config) {
      const problems = validateLogConfig(config);
      if (problems.length > 0) throw new KstackError('KSTACK_BROKER_CONFIG', `Invalid log settings for ${topic}: ${problems.join('; ')}`);
    }
    const logDir = this.pickLogDir();
    const log = PartitionLog.open(join(logDir, partitionDirName(topic, partition)), topic, partition, topicId, config ?? this.opts.defaults, {
      ...this.logOptions(),
      recover: false,
    });
    this.logs.set(key(topic, partition), { log, logDir });
    return log;
  }

  private pickLogDir(): string {
    const counts = new Map(this.logDirs.map((d) => [d, 0]));
    for (const { logDir } of this.logs.values()) counts.set(logDir, (counts.get(logDir) ?? 0) + 1);
    let best = this.logDirs[0];
    for (const d of this.logDirs) if (counts.get(d)! < counts.get(best)!) best = d;
    return best;
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition))?.log;
  }

  /** The log dir a partition lives in (DescribeLogDirs). */
  logDirOf(topic: string, partition: number): string | undefined {
    return this.logs.get(key(topic, partition))?.logDir;
  }

  *partitions(): Iterable<PartitionLog> {
    for (const { log } of this.logs.values()) yield log;
  }

  /** Closes and removes a partition's directory and its checkpoint lines. */
  deletePartition(topic: string, partition: number): void {
    const entry = this.logs.get(key(topic, partition));
    if (!entry) return;
    entry.log.delete();
    this.logs.delete(key(topic, partition));
    this.checkpointedHw.delete(key(topic, partition));
    this.writeCheckpoints(entry.logDir);
  }

  /** Starts the one coarse timer (unref'd: it never keeps the process alive). */
  startBackgroundTasks(): void {
    this.ensureOpen();
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.runBackgroundTasks(this.clock());
      } catch (err) {
        this.opts.logger?.error('Log background task failed', err);
      }
    }, this.opts.tickMs ?? 1000);
    this.timer.unref();
  }

  /** One pass of the background work at time `now` (the timer calls this; tests call it with their clock). */
  runBackgroundTasks(now: number): void {
    if (this.closed) return;
    for (const { log } of this.logs.values()) {
      log.flushIfDue(now);
      log.maybeRoll(now);
    }
    if (now - this.lastRetention >= (this.opts.retentionCheckIntervalMs ?? 300_000)) {
      this.lastRetention = now;
      for (const { log } of this.logs.values()) log.applyRetention(now);
    }
    if (now - this.lastCheckpoint >= (this.opts.checkpointIntervalMs ?? 60_000)) {
      this.lastCheckpoint = now;
      for (const dir of this.logDirs) this.writeCheckpoints(dir);
    }
  }

  /** The high watermark replication-offset-checkpoint had for a partition at start-up (undefined: none). */
  checkpointedHighWatermark(topic: string, partition: number): number | undefined {
    return this.checkpointedHw.get(key(topic, partition));
  }

  /** Writes the checkpoint files of one log dir (all dirs when undefined). */
  writeCheckpoints(logDir?: string): void {
    for (const dir of logDir ? [logDir] : this.logDirs) {
      const mine = [...this.logs.values()].filter((e) => e.logDir === dir).map((e) => e.log);
      writeOffsetCheckpoint(
        join(dir, RECOVERY_POINT_CHECKPOINT),
        mine.map((l) => ({ topic: l.topic, partition: l.partition, offset: l.recoveryPoint })),
      );
      this.checkpointLogStartOffsets(dir);
      this.writeHighWatermarks(dir);
    }
  }

  /** replication-offset-checkpoint of every log dir (the replica manager calls this on its own, shorter timer). */
  checkpointHighWatermarks(): void {
    if (this.closed) return;
    for (const dir of this.logDirs) this.writeHighWatermarks(dir);
  }

  private writeHighWatermarks(dir: string): void {
    const mine = [...this.logs.values()].filter((e) => e.logDir === dir).map((e) => e.log);
    writeOffsetCheckpoint(join(dir, REPLICATION_OFFSET_CHECKPOINT), mine.map((l) => ({ topic: l.topic, partition: l.partition, offset: l.highWatermark })));
  }

  private checkpointLogStartOffsets(logDir: string | undefined): void {
    if (!logDir) return;
    const entries = [...this.logs.values()]
      .filter((e) => e.logDir === logDir && e.log.logStartOffset > (e.log.segmentBaseOffsets()[0] ?? 0))
      .map((e) => ({ topic: e.log.topic, partition: e.log.partition, offset: e.log.logStartOffset }));
    writeOffsetCheckpoint(join(logDir, LOG_START_OFFSET_CHECKPOINT), entries);
  }

  /** Clean shutdown: flush and close every log, write the checkpoints, then the clean-shutdown marker per dir. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const { log } of this.logs.values()) log.close();
    for (const dir of this.logDirs) this.writeCheckpoints(dir);
    for (const dir of this.logDirs) writeFileAtomic(join(dir, CLEAN_SHUTDOWN_FILE), '{"version":0,"brokerEpoch":-1}');
    this.closed = true;
  }

  private ensureOpen(): void {
    if (this.closed) throw new KstackError('KSTACK_LOG_CLOSED', 'The log manager is closed');
  }
}

function listPartitionDirs(logDir: string): { name: string; topic: string; partition: number }[] {
  const out: { name: string; topic: string; partition: number }[] = [];
  for (const name of readdirSync(logDir)) {
    // The KRaft metadata log belongs to the Raft runtime (raft/runtime/storage.ts), not to the partition logs.
    if (name === '__cluster_metadata-0') continue;
    const parsed = parsePartitionDirName(name);
    if (!parsed) continue;
    try {
      if (!statSync(join(logDir, name)).isDirectory()) continue;
    } catch {
      continue;
    }
    out.push({ name, ...parsed });
  }
  return out;
}
