/**
 * `partition.metadata` (per partition, Kafka's `PartitionMetadataFile`): the topic id the directory belongs to,
 * so a re-created topic with the same name is never confused with the old one's files:
 *
 *   version: 0
 *   topic_id: 9xmPLxzPQ9SjmhHgQAsfZg      ← Kafka's Uuid: 16 bytes, URL-safe base64, no padding
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KstackError } from '../../errors.js';
import { normalizeUuid, writeFileAtomic } from './file-format.js';

export const PARTITION_METADATA_FILE = 'partition.metadata';

export function readPartitionMetadata(dir: string): string | undefined {
  const path = join(dir, PARTITION_METADATA_FILE);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const version = /^version: (\d+)$/m.exec(text);
  const id = /^topic_id: (\S+)$/m.exec(text);
  const topicId = id ? normalizeUuid(id[1]) : undefined;
  if (!version || version[1] !== '0' || !topicId) {
    throw new KstackError('KSTACK_LOG_PARTITION_METADATA', `Malformed ${path}: ${JSON.stringify(text.slice(0, 120))}`, {
      fix: `Remove ${path}; the broker writes it again from the topic's id.`,
    });
  }
  return topicId;
}

export function writePartitionMetadata(dir: string, topicId: string): void {
  writeFileAtomic(join(dir, PARTITION_METADATA_FILE), `version: 0\ntopic_id: ${topicId}\n`);
}
