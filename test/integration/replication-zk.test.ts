/**
 * Replication and failover on three native brokers in ZooKeeper mode (child processes, a real ZooKeeper): the
 * shared suite in test/support/replication-suite.ts (RF 3 copies, NOT_ENOUGH_REPLICAS, SIGSTOP and the ISR,
 * KIP-320 consumers across a leader kill, 100,000 acked records through two leader kills).
 */
import { replicationProperties, replicationSuite } from '../support/replication-suite.js';
import { startNativeCluster } from '../support/native-cluster.js';
import { zooKeeperAvailable } from '../support/zookeeper.js';

const LAG_MS = 3000;
const SESSION_MS = 8000;

replicationSuite('replication and failover (zk mode, 3 native brokers)', {
  skip: !zooKeeperAvailable(),
  failureDetectionMs: SESSION_MS,
  lagMs: LAG_MS,
  start: () => startNativeCluster({ brokers: 3, sessionTimeoutMs: SESSION_MS, properties: replicationProperties(LAG_MS) }),
});
