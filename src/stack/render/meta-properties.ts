/**
 * meta.properties at the top of a node's log directory, as Kafka writes it: KRaft nodes use version=1 with
 * node.id, ZooKeeper-mode brokers version=0 with broker.id; both carry the stack's one cluster.id. Kafka refuses
 * to start when it disagrees with the quorum or ZooKeeper (InconsistentClusterIdException), so every node of a
 * stack gets the same id from the plan.
 */
import { formatProperties, parseProperties } from '../../listeners/properties.js';
import type { KafkaNodePlan, StackPlan } from '../plan.js';

export function renderMetaProperties(plan: StackPlan, node: KafkaNodePlan): string {
  const header = { comment: 'Written by kstack init. Every node of this stack carries the same cluster.id.' };
  return formatProperties(
    plan.mode === 'kraft'
      ? [header, { key: 'cluster.id', value: plan.clusterId }, { key: 'node.id', value: String(node.id) }, { key: 'version', value: '1' }]
      : [header, { key: 'cluster.id', value: plan.clusterId }, { key: 'broker.id', value: String(node.id) }, { key: 'version', value: '0' }],
  );
}

export interface MetaProperties {
  clusterId: string | null;
  nodeId: number | null;
  version: number | null;
}

/** Reads back what matters from a meta.properties text (either version). */
export function parseMetaProperties(text: string, source = 'meta.properties'): MetaProperties {
  const p = parseProperties(text, source);
  const num = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : null);
  return {
    clusterId: p.get('cluster.id')?.trim() || null,
    nodeId: num(p.get('node.id') ?? p.get('broker.id')),
    version: num(p.get('version')),
  };
}
