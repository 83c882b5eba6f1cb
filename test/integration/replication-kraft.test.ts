/**
 * Replication and failover on three native KRaft brokers and a dedicated controller (child processes): the
 * shared suite in test/support/replication-suite.ts (RF 3 copies, NOT_ENOUGH_REPLICAS, SIGSTOP and the ISR,
 * KIP-320 consumers across a leader kill, 100,000 acked records through two leader kills). ISR changes go to the
 * active controller as AlterPartition and come back to every broker as metadata records; a killed broker is
 * fenced after broker.session.timeout.ms. The controller is its own process, as ZooKeeper is in the zk suite:
 * with three combined nodes, two of them down would take the quorum (and every ISR change) with them.
 */
import { replicationProperties, replicationSuite } from '../support/replication-suite.js';
import { startNativeCluster } from '../support/native-cluster.js';

const LAG_MS = 3000;
const SESSION_MS = 8000;

replicationSuite('replication and failover (kraft mode, 3 native brokers + 1 controller)', {
  failureDetectionMs: SESSION_MS,
  lagMs: LAG_MS,
  start: () => startNativeCluster({ mode: 'kraft', brokers: 3, controllers: 1, sessionTimeoutMs: SESSION_MS, properties: replicationProperties(LAG_MS) }),
});
