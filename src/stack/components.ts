/**
 * The OS processes a planned stack is made of, as data: one ComponentSpec per ZooKeeper server, Kafka node,
 * demo producer and demo consumer. Pure (plan in, specs out), so `up`'s choices are testable without starting
 * anything. Every command line names the component's own config file, which is also its identity.
 */
import { join } from 'node:path';
import type { ComponentSpec } from './state.js';
import type { KafkaNodePlan, StackPlan, ZooKeeperNodePlan } from './plan.js';
import { zooKeeperCommand, type ZooKeeperInstallation } from './zookeeper.js';

export interface Launcher {
  /** The Node.js executable and kstack's bin/kstack.js, to run kstack's own subcommands as processes. */
  node: string;
  kstackBin: string;
}

export function serverPropertiesPath(node: KafkaNodePlan): string {
  return join(node.dir, 'server.properties');
}

export function zooCfgPath(zk: ZooKeeperNodePlan): string {
  return join(zk.dir, 'zoo.cfg');
}

export function zooKeeperComponent(zk: ZooKeeperNodePlan, install: ZooKeeperInstallation, workspace: string): ComponentSpec {
  const cmd = zooKeeperCommand(install, { zooCfg: zooCfgPath(zk), logDir: zk.logsDir });
  return {
    name: zk.name,
    kind: 'zookeeper',
    command: cmd.file,
    args: cmd.args,
    cwd: workspace,
    logFile: join(zk.logsDir, 'zookeeper.out'),
    ports: [zk.clientPort, zk.quorumPort, zk.electionPort].filter((p): p is number => p !== null),
    identity: zooCfgPath(zk),
  };
}

export function kafkaNodeComponent(node: KafkaNodePlan, launcher: Launcher, workspace: string): ComponentSpec {
  const config = serverPropertiesPath(node);
  return {
    name: node.name,
    kind: node.roles.includes('broker') ? 'broker' : 'controller',
    command: launcher.node,
    args: [launcher.kstackBin, 'broker', '--config', config],
    cwd: workspace,
    // Kafka's daemon mode writes the console to logs/kafkaServer.out; server.log etc. come from log4j.properties.
    logFile: join(node.logsDir, 'kafkaServer.out'),
    ports: node.listeners.map((l) => l.port),
    identity: config,
  };
}

export const CLIENTS_DIR = 'clients';

export interface DemoSettings {
  topic: string;
  rate: number;
  group: string;
}

export function clientPropertiesFiles(plan: StackPlan, demo: DemoSettings): { path: string; content: string }[] {
  const dir = join(plan.workspace, CLIENTS_DIR);
  const header = '# Written by `kstack up` for its demo clients; any Kafka client accepts these keys.\n';
  return [
    { path: join(dir, 'producer.properties'), content: `${header}bootstrap.servers=${plan.bootstrap}\nclient.id=kstack-demo-producer\nacks=all\n` },
    {
      path: join(dir, 'consumer.properties'),
      content: `${header}bootstrap.servers=${plan.bootstrap}\nclient.id=kstack-demo-consumer\ngroup.id=${demo.group}\nauto.offset.reset=earliest\n`,
    },
  ];
}

export function demoProducerComponent(plan: StackPlan, demo: DemoSettings, launcher: Launcher): ComponentSpec {
  const config = join(plan.workspace, CLIENTS_DIR, 'producer.properties');
  return {
    name: 'producer',
    kind: 'producer',
    command: launcher.node,
    args: [launcher.kstackBin, 'produce', demo.topic, '--config', config, '--rate', String(demo.rate)],
    cwd: plan.workspace,
    logFile: join(plan.workspace, CLIENTS_DIR, 'producer.log'),
    ports: [],
    identity: config,
  };
}

export function demoConsumerComponent(plan: StackPlan, demo: DemoSettings, launcher: Launcher): ComponentSpec {
  const config = join(plan.workspace, CLIENTS_DIR, 'consumer.properties');
  return {
    name: 'consumer',
    kind: 'consumer',
    command: launcher.node,
    args: [launcher.kstackBin, 'consume', demo.topic, '--config', config, '--format', 'detail'],
    cwd: plan.workspace,
    logFile: join(plan.workspace, CLIENTS_DIR, 'consumer.log'),
    ports: [],
    identity: config,
  };
}
