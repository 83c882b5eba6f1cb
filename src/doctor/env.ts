/**
 * `kstack doctor env`: is this machine ready for the stack? Platform, Node, disk, open files and ports always;
 * Java, ZooKeeper and Docker only when the chosen mode or engine needs them:
 *   native + kraft: nothing more     native + zk: Java and ZooKeeper
 *   kafka  + kraft: Java             kafka  + zk: Java and ZooKeeper
 *   docker (either mode): a Docker engine that answers
 */
import { existsSync, readdirSync } from 'node:fs';
import type { PlatformContext } from '../platform.js';
import type { PortAssignment, StackMode } from '../stack/plan.js';
import { findZooKeeper, type ZooKeeperInstallation } from '../stack/zookeeper.js';
import { checkDisk, type StatFs } from './checks/disk.js';
import { checkDocker } from './checks/docker.js';
import { checkJava } from './checks/java.js';
import { checkNode } from './checks/node.js';
import { checkOpenFiles } from './checks/open-files.js';
import { checkPlatform } from './checks/platform.js';
import { checkStackPorts } from './checks/ports.js';
import { checkZooKeeper } from './checks/zookeeper.js';
import type { Finding } from './finding.js';

export type Engine = 'native' | 'docker' | 'kafka';
export const ENGINES: readonly Engine[] = ['native', 'docker', 'kafka'];

export interface EnvCheckOptions {
  workspace: string;
  mode: StackMode;
  engine: Engine;
  ports: readonly PortAssignment[];
}

export interface EnvCheckContext {
  platform: PlatformContext;
  nodeVersion?: string;
  statfs?: StatFs;
  findZooKeeper?: () => ZooKeeperInstallation | null;
  dockerEndpoints?: string[];
}

export function requirements(mode: StackMode, engine: Engine): { java: boolean; zookeeper: boolean; docker: boolean } {
  return {
    java: engine === 'kafka' || (engine === 'native' && mode === 'zk'),
    zookeeper: engine !== 'docker' && mode === 'zk',
    docker: engine === 'docker',
  };
}

export async function runEnvChecks(options: EnvCheckOptions, ctx: EnvCheckContext): Promise<Finding[]> {
  const p = ctx.platform;
  const needs = requirements(options.mode, options.engine);
  const findings: Finding[] = [
    ...(await checkPlatform(p)),
    ...checkNode(p, ctx.nodeVersion ?? process.version),
    ...(await checkDisk(options.workspace, ctx.statfs)),
    ...(await checkOpenFiles(p)),
    ...(await checkStackPorts(p, options.ports)),
  ];
  if (needs.java) findings.push(...(await checkJava(p, { forKafka: options.engine === 'kafka' })));
  if (needs.zookeeper) {
    const found = ctx.findZooKeeper
      ? ctx.findZooKeeper()
      : findZooKeeper({ env: p.env, exists: existsSync, list: (dir) => { try { return readdirSync(dir); } catch { return []; } } });
    findings.push(...checkZooKeeper(p, found));
  }
  if (needs.docker) findings.push(...(await checkDocker(p, ctx.dockerEndpoints)));
  return findings;
}
