/** `kstack topics list|create|describe|delete`: topic administration through the Kafka admin protocol. */
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';
import { addAdminOptions, withAdmin, type AdminOptions } from './admin-client.js';

function parseConfigs(entries: string[]): { name: string; value: string }[] {
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    if (at <= 0) throw new KstackError('KSTACK_BAD_OPTION', `--config takes key=value, not "${entry}"`, { exitCode: 2 });
    return { name: entry.slice(0, at), value: entry.slice(at + 1) };
  });
}

export function registerTopics(program: Command): void {
  const topics = program
    .command('topics')
    .description('List, create, describe and delete topics')
    .addHelpText(
      'after',
      `
Examples:
  kstack topics list
  kstack topics create orders --partitions 6 --config retention.ms=3600000
  kstack topics describe orders
  kstack topics delete orders`,
    );

  addAdminOptions(topics.command('list').description('List topics')).action(async (opts: AdminOptions) => {
    const names = await withAdmin(opts, 'kstack-admin', (admin) => admin.listTopics());
    const visible = names.filter((n) => !n.startsWith('__')).sort();
    if (opts.json) process.stdout.write(`${JSON.stringify(visible)}\n`);
    else for (const n of visible) process.stdout.write(`${n}\n`);
  });

  addAdminOptions(topics.command('create').description('Create a topic').argument('<topic>'))
    .option('-p, --partitions <n>', 'number of partitions', '1')
    .option('-r, --replication-factor <n>', 'replication factor', '1')
    .option('-c, --config <key=value...>', 'topic configuration', [])
    .action(async (topic: string, opts: AdminOptions & { partitions: string; replicationFactor: string; config: string[] }) => {
      const created = await withAdmin(opts, 'kstack-admin', (admin) =>
        admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions: Number(opts.partitions), replicationFactor: Number(opts.replicationFactor), configEntries: parseConfigs(opts.config) }],
        }),
      );
      if (!created) throw new KstackError('KSTACK_TOPIC_EXISTS', `topic "${topic}" already exists`, { exitCode: 1 });
      process.stderr.write(`created topic ${topic}\n`);
    });

  addAdminOptions(topics.command('describe').description('Show partitions, leaders and replicas').argument('[topics...]')).action(async (names: string[], opts: AdminOptions) => {
    const meta = await withAdmin(opts, 'kstack-admin', (admin) => admin.fetchTopicMetadata(names.length > 0 ? { topics: names } : undefined));
    const rows = meta.topics
      .filter((t) => names.length > 0 || !t.name.startsWith('__'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => ({
        topic: t.name,
        partitions: t.partitions
          .sort((a, b) => a.partitionId - b.partitionId)
          .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr, error: p.partitionErrorCode })),
      }));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    for (const t of rows) {
      process.stdout.write(`Topic: ${t.topic}\tPartitionCount: ${t.partitions.length}\n`);
      for (const p of t.partitions) process.stdout.write(`\tTopic: ${t.topic}\tPartition: ${p.partition}\tLeader: ${p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\n`);
    }
  });

  addAdminOptions(topics.command('delete').description('Delete topics').argument('<topics...>')).action(async (names: string[], opts: AdminOptions) => {
    await withAdmin(opts, 'kstack-admin', (admin) => admin.deleteTopics({ topics: names }));
    process.stderr.write(`deleted ${names.join(', ')}\n`);
  });
}
