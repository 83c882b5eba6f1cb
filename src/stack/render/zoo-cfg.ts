/** A ZooKeeper server's zoo.cfg and myid. The server.N lines and every myid come from the same plan entries. */
import type { PropertiesLine } from '../../listeners/properties.js';
import type { StackPlan, ZooKeeperNodePlan } from '../plan.js';
import { renderTemplate } from './template.js';

export function renderZooCfg(plan: StackPlan, zk: ZooKeeperNodePlan, template: string): string {
  const ensemble: PropertiesLine[] =
    plan.zookeepers.length > 1
      ? [
          { comment: 'The ensemble: server.<myid>=host:quorumPort:electionPort' },
          ...plan.zookeepers.map((m) => ({ key: `server.${m.id}`, value: `${m.host}:${m.quorumPort}:${m.electionPort}` })),
        ]
      : [{ comment: 'A single server runs standalone (no server.N lines).' }];
  return renderTemplate('zoo.cfg', template, {
    zk_id: zk.id,
    zk_name: zk.name,
    zk_data_dir: zk.dataDir,
    zk_client_port: zk.clientPort,
    zk_client_address: zk.host,
    ensemble,
  });
}

/** dataDir/myid: the server's id and a newline, as ZooKeeper's own docs write it. */
export function renderMyid(zk: ZooKeeperNodePlan): string {
  return `${zk.id}\n`;
}
