/**
 * `meta.properties` (one per log dir; Kafka's `MetaProperties`): who owns the directory. A java.util.Properties
 * text file; kstack writes the KRaft form (version 1):
 *
 *   #
 *   #Written by kstack at 2026-11-26T07:38:13.000Z
 *   node.id=1
 *   directory.id=Xj3kq3F2Rk2o4m1vV6vJ0w
 *   version=1
 *   cluster.id=MkU3OEVBNTcwNTJENDM2Qk
 *
 * It reads version 0 (ZooKeeper-era: `broker.id`) too. A directory that belongs to another cluster or node is
 * refused, as Kafka does, rather than mixing two brokers' data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KstackError } from '../../errors.js';
import { randomUuid, writeFileAtomic } from './file-format.js';

export const META_PROPERTIES = 'meta.properties';

export interface MetaProperties {
  version: number;
  nodeId: number;
  clusterId: string;
  directoryId: string | undefined;
}

function parseProperties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) map.set(m[1], m[2]);
  }
  return map;
}

export function readMetaProperties(logDir: string): MetaProperties | undefined {
  const path = join(logDir, META_PROPERTIES);
  if (!existsSync(path)) return undefined;
  const props = parseProperties(readFileSync(path, 'utf8'));
  const version = Number(props.get('version') ?? '0');
  const nodeId = Number(props.get('node.id') ?? props.get('broker.id'));
  const clusterId = props.get('cluster.id');
  if (!Number.isInteger(version) || !Number.isInteger(nodeId) || !clusterId) {
    throw new KstackError('KSTACK_LOG_DIR_META', `Malformed ${path}: needs version, node.id (or broker.id) and cluster.id`, {
      fix: `Fix or remove ${path} (removing it lets this broker claim the directory).`,
    });
  }
  return { version, nodeId, clusterId, directoryId: props.get('directory.id') };
}

/** Checks the dir belongs to this node and cluster, writing meta.properties when it has none. */
export function ensureMetaProperties(logDir: string, nodeId: number, clusterId: string, now: Date): MetaProperties {
  const existing = readMetaProperties(logDir);
  const path = join(logDir, META_PROPERTIES);
  if (existing) {
    if (existing.clusterId !== clusterId) {
      throw new KstackError(
        'KSTACK_INCONSISTENT_CLUSTER_ID',
        `Log dir ${logDir} belongs to cluster ${existing.clusterId}, but this broker is in cluster ${clusterId}`,
        { fix: `Point log.dirs at an empty directory, or remove ${logDir} if its data is not needed.` },
      );
    }
    if (existing.nodeId !== nodeId) {
      throw new KstackError('KSTACK_LOG_DIR_META', `Log dir ${logDir} belongs to node ${existing.nodeId}, but this broker is node ${nodeId}`, {
        fix: `Give each broker its own log.dirs, or set node.id=${existing.nodeId} for this one.`,
      });
    }
    return existing;
  }
  const meta: MetaProperties = { version: 1, nodeId, clusterId, directoryId: randomUuid() };
  writeFileAtomic(
    path,
    `#\n#Written by kstack at ${now.toISOString()}\nnode.id=${nodeId}\ndirectory.id=${meta.directoryId}\nversion=1\ncluster.id=${clusterId}\n`,
  );
  return meta;
}
