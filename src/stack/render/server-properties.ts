/** A node's server.properties: Kafka's own keys, from templates/server.properties. */
import type { PropertiesLine } from '../../listeners/properties.js';
import {
  advertisedListenersValue,
  isBroker,
  listenersValue,
  protocolMapValue,
  votersValue,
  type KafkaNodePlan,
  type StackPlan,
} from '../plan.js';
import { renderTemplate } from './template.js';

export function renderServerProperties(plan: StackPlan, node: KafkaNodePlan, template: string): string {
  const identity: PropertiesLine[] =
    plan.mode === 'kraft'
      ? [
          { comment: 'KRaft: this node\'s roles and id (unique in the stack; also its voter id when it is a controller).' },
          { key: 'process.roles', value: node.roles.join(',') },
          { key: 'node.id', value: String(node.id) },
        ]
      : [{ comment: 'ZooKeeper mode: the broker\'s id, unique in the stack.' }, { key: 'broker.id', value: String(node.id) }];

  const metadata: PropertiesLine[] =
    plan.mode === 'kraft'
      ? [
          { comment: 'The controller quorum: every voter as id@host:port of its CONTROLLER listener.' },
          { key: 'controller.quorum.voters', value: votersValue(plan) },
          { key: 'controller.listener.names', value: node.controllerListener ?? 'CONTROLLER' },
          ...(isBroker(node)
            ? [
                {
                  comment:
                    'A dev stack: a broker that stops heartbeating is fenced (and leaves Metadata; its partitions move) after\n' +
                    '6 s instead of Kafka\'s default 9 s.',
                },
                { key: 'broker.heartbeat.interval.ms', value: '1000' },
                { key: 'broker.session.timeout.ms', value: '6000' },
              ]
            : []),
        ]
      : [
          {
            comment:
              'Every member of the ZooKeeper ensemble, and the chroot that holds this stack\'s znodes. The cluster id in\n' +
              'data/meta.properties must match <chroot>/cluster/id: kstack\'s broker writes it there on a fresh ensemble;\n' +
              'before Apache Kafka\'s first start, create it: {"version":"1","id":"<cluster.id>"}.',
          },
          { key: 'zookeeper.connect', value: plan.zookeeperConnect ?? '' },
          { key: 'zookeeper.connection.timeout.ms', value: '18000' },
          {
            comment:
              'A dev stack: a broker that dies leaves /brokers/ids (and the controller moves its partitions) after 6 s\n' +
              'instead of Kafka\'s default 18 s (ZooKeeper accepts 2 to 20 x tickTime: 2-20 s with zoo.cfg\'s tickTime=1000).',
          },
          { key: 'zookeeper.session.timeout.ms', value: '6000' },
        ];

  // Several brokers replicate (default.replication.factor = min(3, brokers)): a follower that stops fetching
  // leaves the ISR after 10 s instead of Kafka's 30 s, so acks=all writes do not wait on it that long.
  const replication: PropertiesLine[] =
    plan.nodes.filter(isBroker).length > 1
      ? [
          { comment: 'A dev stack: a follower that has not caught up for 10 s leaves the ISR (Kafka\'s default is 30 s).' },
          { key: 'replica.lag.time.max.ms', value: '10000' },
        ]
      : [];

  const broker = isBroker(node);
  return renderTemplate('server.properties', template, {
    node_name: node.name,
    node_dir: node.dir,
    mode: plan.mode === 'kraft' ? 'KRaft' : 'ZooKeeper-mode',
    identity,
    listeners: listenersValue(node),
    // Kafka 3.x: a controller-only node must not set advertised.listeners (L18).
    advertised_listeners: broker ? [{ key: 'advertised.listeners', value: advertisedListenersValue(node) }] : [],
    protocol_map: protocolMapValue(node),
    inter_broker_listener: node.interBrokerListener ? [{ key: 'inter.broker.listener.name', value: node.interBrokerListener }] : [],
    metadata,
    log_dirs: node.dataDir,
    num_partitions: plan.kafka.numPartitions,
    default_replication_factor: plan.kafka.defaultReplicationFactor,
    min_insync_replicas: plan.kafka.minInsyncReplicas,
    replication,
    offsets_topic_replication_factor: plan.kafka.offsetsTopicReplicationFactor,
    transaction_state_log_replication_factor: plan.kafka.transactionStateLogReplicationFactor,
    transaction_state_log_min_isr: plan.kafka.transactionStateLogMinIsr,
    group_initial_rebalance_delay_ms: plan.kafka.groupInitialRebalanceDelayMs,
  });
}
