/**
 * `kstack up --engine kafka`: the same workspace (server.properties, log4j.properties, zoo.cfg, one cluster id)
 * run by a local Apache Kafka installation instead of kstack's native broker. Only the Kafka node processes
 * differ; ZooKeeper, readiness, the demo clients, state.json, `down`, `status` and `logs` are the native
 * engine's.
 *
 * Before the first start of a KRaft node its storage is formatted as `kafka-storage.sh format` does —
 * `java -cp 'libs/*' kafka.tools.StorageTool format -t <cluster id> -c server.properties` — which writes
 * meta.properties and the bootstrap metadata checkpoint (Kafka 4 refuses to start without the latter). `kstack
 * init` already wrote a meta.properties with the same cluster id; it is replaced by the formatted one. In zk mode
 * (Kafka 3.x only) there is no format step; instead the workspace's cluster id is put at <chroot>/cluster/id before
 * the first broker starts, or the broker would make up its own and then refuse the meta.properties
 * (InconsistentClusterIdException).
 *
 * A node runs as kafka-run-class.sh would run it: `java <heap> -Dkafka.logs.dir=<logs> <logging config> -cp
 * 'libs/*' kafka.Kafka server.properties`. Kafka 3.x reads log4j.properties; Kafka 4.x reads a log4j2.properties
 * translated from it (log4j2.ts).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KstackError } from '../../errors.js';
import { ZkClient } from '../../broker/zookeeper/zk-client.js';
import { clusterIdJson, parseClusterId, splitZookeeperConnect } from '../../broker/zookeeper/znodes.js';
import { parseProperties } from '../../listeners/properties.js';
import type { KafkaNodePlan, StackPlan } from '../plan.js';
import type { ComponentSpec } from '../state.js';
import { checkJavaFor, findKafkaInstallation, type KafkaInstallation } from './kafka-install.js';
import { log4jToLog4j2 } from './log4j2.js';

export interface KafkaEngineOptions {
  kafkaHome?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Heap of each Kafka node (default 512 MiB: a dev stack, not a production broker). */
  heapMb?: number;
}

export interface KafkaEngine {
  install: KafkaInstallation;
  java: string;
  javaVersion: string;
  /** Before any node starts: render log4j2 configs (Kafka 4) and format KRaft storage where needed. */
  prepare(plan: StackPlan): Promise<void>;
  /** zk mode: after ZooKeeper serves, make <chroot>/cluster/id hold the workspace's cluster id. */
  seedZooKeeper(plan: StackPlan): Promise<void>;
  component(node: KafkaNodePlan, workspace: string): ComponentSpec;
}

/**
 * Whether Apache Kafka has formatted (or run on) a data directory: StorageTool 3.7+ and every Kafka 3.7+ start
 * add a directory.id to meta.properties (kstack init and the native broker do not), and StorageTool before 3.7
 * leaves __cluster_metadata-0/bootstrap.checkpoint.
 */
export function formattedByKafka(dataDir: string): boolean {
  const meta = join(dataDir, 'meta.properties');
  if (existsSync(meta) && parseProperties(readFileSync(meta, 'latin1')).has('directory.id')) return true;
  return existsSync(join(dataDir, '__cluster_metadata-0', 'bootstrap.checkpoint'));
}

/** Finds the installation and a Java it can run on; refuses a mode the version does not have. */
export async function createKafkaEngine(mode: 'kraft' | 'zk', opts: KafkaEngineOptions): Promise<KafkaEngine> {
  const install = findKafkaInstallation(opts.kafkaHome, opts.env, opts.platform);
  if (mode === 'zk' && install.major >= 4) {
    throw new KstackError('KSTACK_NO_ZK_MODE', `Apache Kafka ${install.version} (in ${install.home}) has no ZooKeeper mode: Kafka 4.0 removed it`, {
      exitCode: 2,
      fix: 'kstack up --engine kafka --mode kraft, or --kafka-home pointing at a Kafka 3.x installation for zk mode',
    });
  }
  const java = await checkJavaFor(install, opts.env, opts.platform);
  const heap = opts.heapMb ?? 512;

  const loggingFlag = (node: KafkaNodePlan) =>
    install.logging === 'log4j2' ? `-Dlog4j2.configurationFile=${join(node.dir, 'log4j2.properties')}` : `-Dlog4j.configuration=file:${join(node.dir, 'log4j.properties')}`;
  const jvm = (node: KafkaNodePlan, heapMb: number) => [`-Xmx${heapMb}m`, `-Xms${Math.min(heapMb, 128)}m`, '-Djava.awt.headless=true', `-Dkafka.logs.dir=${node.logsDir}`, loggingFlag(node)];

  const format = async (plan: StackPlan, node: KafkaNodePlan): Promise<void> => {
    mkdirSync(node.dataDir, { recursive: true });
    if (formattedByKafka(node.dataDir)) return;
    const others = readdirSync(node.dataDir).filter((e) => e !== 'meta.properties');
    if (others.length > 0) {
      throw new KstackError('KSTACK_ENGINE_DATA', `${node.dataDir} holds data Apache Kafka did not format (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}), probably from the native engine`, {
        exitCode: 2,
        fix: `kstack down --purge --dir ${plan.workspace}   (deletes the topics), then kstack up --engine kafka again`,
      });
    }
    const meta = join(node.dataDir, 'meta.properties');
    if (existsSync(meta)) {
      const id = parseProperties(readFileSync(meta, 'latin1')).get('cluster.id');
      if (id !== undefined && id !== plan.clusterId) {
        throw new KstackError('KSTACK_CLUSTER_ID', `${meta} has cluster.id ${id}, but the workspace's cluster id is ${plan.clusterId}`, { exitCode: 2, fix: `kstack up --force --dir ${plan.workspace}` });
      }
      rmSync(meta);
    }
    const out = join(node.logsDir, 'storage-format.out');
    mkdirSync(node.logsDir, { recursive: true });
    const args = [...jvm(node, 256), '-cp', install.classpath, 'kafka.tools.StorageTool', 'format', '-t', plan.clusterId, '-c', join(node.dir, 'server.properties')];
    const code = await run(java.java, args, out, 120_000);
    if (code !== 0 || !existsSync(meta)) {
      throw new KstackError('KSTACK_FORMAT_FAILED', `formatting ${node.name}'s storage with Apache Kafka ${install.version} failed (exit ${code}):\n${tail(out)}`, { fix: `read ${out}` });
    }
  };

  return {
    install,
    java: java.java,
    javaVersion: java.version,
    async prepare(plan) {
      for (const node of plan.nodes) {
        if (install.logging === 'log4j2') writeFileSync(join(node.dir, 'log4j2.properties'), log4jToLog4j2(readFileSync(join(node.dir, 'log4j.properties'), 'utf8')));
      }
      if (plan.mode === 'kraft') await Promise.all(plan.nodes.map((node) => format(plan, node)));
    },
    async seedZooKeeper(plan) {
      if (plan.mode !== 'zk' || !plan.zookeeperConnect) return;
      const { hosts, chroot } = splitZookeeperConnect(plan.zookeeperConnect);
      if (chroot) await ZkClient.ensureChroot(hosts, chroot, 10_000);
      const zk = await ZkClient.connect(plan.zookeeperConnect, { sessionTimeoutMs: 10_000, connectTimeoutMs: 10_000 });
      try {
        await zk.mkdirp('/cluster');
        const existing = await zk.getData('/cluster/id');
        if (existing === null) {
          await zk.create('/cluster/id', clusterIdJson(plan.clusterId), 'persistent');
          return;
        }
        const held = parseClusterId(existing.data);
        if (held !== plan.clusterId) {
          throw new KstackError('KSTACK_CLUSTER_ID', `ZooKeeper ${plan.zookeeperConnect} holds cluster id ${held}, but the workspace's meta.properties say ${plan.clusterId}`, {
            exitCode: 2,
            fix: `kstack down --purge --dir ${plan.workspace}   (a fresh ensemble takes the workspace's id)`,
          });
        }
      } finally {
        zk.close();
      }
    },
    component(node, workspace) {
      const config = join(node.dir, 'server.properties');
      return {
        name: node.name,
        kind: node.roles.includes('broker') ? 'broker' : 'controller',
        command: java.java,
        args: [...jvm(node, heap), '-cp', install.classpath, 'kafka.Kafka', config],
        cwd: workspace,
        logFile: join(node.logsDir, 'kafkaServer.out'),
        ports: node.listeners.map((l) => l.port),
        identity: config,
      };
    },
  };
}

function run(file: string, args: string[], logPath: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const fd = openSync(logPath, 'a');
    const child = spawn(file, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}
