/**
 * `kstack groups list|describe|reset-offsets|delete`, modelled on Kafka's kafka-consumer-groups.sh: the same
 * columns, and reset-offsets is a dry run unless --execute, refused while the group has active members.
 */
import type { Command } from 'commander';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { KstackError } from '../../errors.js';
import { planOffsetReset, type ResetSpec } from '../../client/offset-reset.js';
import { addAdminOptions, withAdmin, type AdminOptions } from './admin-client.js';

interface OffsetRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number;
  lag: number | null;
  consumerId: string;
  host: string;
  clientId: string;
}

async function describeGroup(admin: Admin, groupId: string) {
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups[0];
  const owner = new Map<string, { memberId: string; clientHost: string; clientId: string }>();
  for (const m of g.members) {
    if (!m.memberAssignment || m.memberAssignment.length === 0) continue;
    const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    for (const [topic, partitions] of Object.entries(assignment?.assignment ?? {})) {
      for (const p of partitions) owner.set(`${topic}:${p}`, m);
    }
  }
  const committed = await admin.fetchOffsets({ groupId });
  const rows: OffsetRow[] = [];
  const topics = new Set([...committed.map((t) => t.topic), ...[...owner.keys()].map((k) => k.slice(0, k.lastIndexOf(':')))]);
  for (const topic of [...topics].sort()) {
    const ends = await admin.fetchTopicOffsets(topic);
    const mine = committed.find((t) => t.topic === topic)?.partitions ?? [];
    for (const end of ends.sort((a, b) => a.partition - b.partition)) {
      const c = mine.find((p) => p.partition === end.partition);
      const current = c && Number(c.offset) >= 0 ? Number(c.offset) : null;
      const m = owner.get(`${topic}:${end.partition}`);
      if (current === null && !m) continue;
      rows.push({
        group: groupId,
        topic,
        partition: end.partition,
        currentOffset: current,
        logEndOffset: Number(end.high),
        lag: current === null ? null : Number(end.high) - current,
        consumerId: m?.memberId ?? '-',
        host: m?.clientHost ?? '-',
        clientId: m?.clientId ?? '-',
      });
    }
  }
  return { state: g.state, protocol: g.protocol, protocolType: g.protocolType, members: g.members.length, rows };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join(' ').trimEnd()).join('\n');
}

export function registerGroups(program: Command): void {
  const groups = program
    .command('groups')
    .description('List, describe, reset and delete consumer groups (like kafka-consumer-groups.sh)')
    .addHelpText(
      'after',
      `
Examples:
  kstack groups list
  kstack groups describe kstack-demo
  kstack groups reset-offsets kstack-demo --topic kstack-demo --to-earliest            dry run: prints the plan
  kstack groups reset-offsets kstack-demo --topic kstack-demo --shift-by -10 --execute
  kstack groups delete old-group`,
    );

  addAdminOptions(groups.command('list').description('List consumer groups')).action(async (opts: AdminOptions) => {
    const result = await withAdmin(opts, 'kstack-groups', (admin) => admin.listGroups());
    const ids = result.groups.map((g) => g.groupId).sort();
    if (opts.json) process.stdout.write(`${JSON.stringify(result.groups)}\n`);
    else for (const id of ids) process.stdout.write(`${id}\n`);
  });

  addAdminOptions(groups.command('describe').description('Show state, members, committed offsets and lag').argument('<group>')).action(async (group: string, opts: AdminOptions) => {
    const d = await withAdmin(opts, 'kstack-groups', (admin) => describeGroup(admin, group));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      return;
    }
    process.stdout.write(`Consumer group '${group}': state ${d.state}, ${d.members} member(s), protocol ${d.protocol || '-'}\n\n`);
    if (d.rows.length === 0) {
      process.stdout.write(`Consumer group '${group}' has no active members and no committed offsets.\n`);
      return;
    }
    const header = ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'];
    const body = d.rows.map((r) => [r.group, r.topic, String(r.partition), r.currentOffset === null ? '-' : String(r.currentOffset), String(r.logEndOffset), r.lag === null ? '-' : String(r.lag), r.consumerId, r.host, r.clientId]);
    process.stdout.write(`${table([header, ...body])}\n`);
  });

  addAdminOptions(groups.command('reset-offsets').description('Reset a group\'s committed offsets on a topic (dry run unless --execute)').argument('<group>'))
    .requiredOption('--topic <topic>', 'topic whose offsets to reset')
    .option('--to-earliest', 'the earliest offset still in the log')
    .option('--to-latest', 'the log end offset')
    .option('--to-offset <n>', 'an absolute offset (clamped to the log)')
    .option('--shift-by <n>', 'move the committed offset by n (negative: back)')
    .option('--to-datetime <iso>', 'the first offset at or after this time, e.g. 2026-11-26T08:00:00Z')
    .option('--execute', 'apply the plan (without it, only print it)')
    .action(async (group: string, opts: AdminOptions & { topic: string; toEarliest?: boolean; toLatest?: boolean; toOffset?: string; shiftBy?: string; toDatetime?: string; execute?: boolean }) => {
      const specs: ResetSpec[] = [];
      if (opts.toEarliest) specs.push({ kind: 'earliest' });
      if (opts.toLatest) specs.push({ kind: 'latest' });
      if (opts.toOffset !== undefined) specs.push({ kind: 'offset', offset: Number(opts.toOffset) });
      if (opts.shiftBy !== undefined) specs.push({ kind: 'shift', by: Number(opts.shiftBy) });
      if (opts.toDatetime !== undefined) specs.push({ kind: 'datetime', timestamp: Date.parse(opts.toDatetime) });
      if (specs.length !== 1) throw new KstackError('KSTACK_BAD_OPTION', 'choose exactly one of --to-earliest, --to-latest, --to-offset, --shift-by, --to-datetime', { exitCode: 2 });
      const spec = specs[0];
      if ((spec.kind === 'offset' && !Number.isInteger(spec.offset)) || (spec.kind === 'shift' && !Number.isInteger(spec.by)) || (spec.kind === 'datetime' && Number.isNaN(spec.timestamp))) {
        throw new KstackError('KSTACK_BAD_OPTION', 'the reset target is not a whole number or an ISO date-time', { exitCode: 2 });
      }
      const plan = await withAdmin(opts, 'kstack-groups', async (admin) => {
        const { groups: described } = await admin.describeGroups([group]);
        const state = described[0]?.state ?? 'Dead';
        if (state !== 'Empty' && state !== 'Dead') {
          // Kafka's own wording (ConsumerGroupCommand).
          throw new KstackError('KSTACK_GROUP_ACTIVE', `Assignments can only be reset if the group '${group}' is inactive, but the current state is ${state}.`, {
            exitCode: 2,
            fix: 'stop the group\'s consumers first (e.g. kstack down stops the demo consumer), then reset',
          });
        }
        const ends = await admin.fetchTopicOffsets(opts.topic);
        const committed = (await admin.fetchOffsets({ groupId: group, topics: [opts.topic] }))[0]?.partitions ?? [];
        const byTime = spec.kind === 'datetime' ? await admin.fetchTopicOffsetsByTimestamp(opts.topic, spec.timestamp) : [];
        const partitions = ends.map((e) => ({
          partition: e.partition,
          low: Number(e.low),
          high: Number(e.high),
          committed: (() => {
            const c = committed.find((p) => p.partition === e.partition);
            return c && Number(c.offset) >= 0 ? Number(c.offset) : null;
          })(),
          atTimestamp: (() => {
            const t = byTime.find((p) => p.partition === e.partition);
            return t ? Number(t.offset) : null;
          })(),
        }));
        const plan = planOffsetReset(partitions, spec);
        if (opts.execute) await admin.setOffsets({ groupId: group, topic: opts.topic, partitions: plan.map((p) => ({ partition: p.partition, offset: String(p.newOffset) })) });
        return plan;
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      else {
        const header = ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'];
        process.stdout.write(`${table([header, ...plan.map((p) => [group, opts.topic, String(p.partition), String(p.newOffset)])])}\n`);
        if (!opts.execute) process.stderr.write('Dry run: nothing changed. Add --execute to apply.\n');
      }
    });

  addAdminOptions(groups.command('delete').description('Delete consumer groups and their committed offsets').argument('<groups...>')).action(async (ids: string[], opts: AdminOptions) => {
    await withAdmin(opts, 'kstack-groups', (admin) => admin.deleteGroups(ids));
    process.stderr.write(`Deletion of requested consumer groups (${ids.map((g) => `'${g}'`).join(', ')}) was successful.\n`);
  });
}
