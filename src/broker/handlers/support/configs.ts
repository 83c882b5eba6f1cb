/**
 * Shared by DescribeConfigs / AlterConfigs / IncrementalAlterConfigs: resource types, config sources, and the
 * topic-config update rules.
 */
import type { BrokerContext } from '../../context.js';
import { checkTopicConfigs, logConfigOf } from '../../metadata/topic-admin.js';
import { TOPIC_CONFIG_DEFS } from '../../config.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;
export const RESOURCE_BROKER_LOGGER = 8;

/** DescribeConfigsResponse ConfigSource values. */
export const SOURCE = { DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

export interface AlterOutcome {
  errorCode: number;
  errorMessage: string | null;
}

/** Validates and (unless validateOnly) applies a new override set to a topic; updates open partition logs. */
export function applyTopicConfigs(b: BrokerContext, topicName: string, next: Map<string, string>, validateOnly: boolean): AlterOutcome {
  const topic = b.topics.get(topicName);
  if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${topicName} does not exist` };
  const check = checkTopicConfigs(b.config, next);
  if (check.errorCode !== ErrorCode.NONE) return { errorCode: check.errorCode, errorMessage: check.errorMessage };
  if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
  b.topics.setConfigs(topicName, next);
  const lc = logConfigOf(b.config, next);
  for (let p = 0; p < topic.leaderEpochs.length; p++) b.logs.getOrCreate(topicName, p, topic.topicId, lc);
  return { errorCode: ErrorCode.NONE, errorMessage: null };
}

export function brokerResourceError(b: BrokerContext, name: string): AlterOutcome {
  if (name !== '' && name !== String(b.nodeId)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${b.nodeId} or empty string, but received ${name}` };
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Dynamic broker configs are not supported by the kstack native broker; change server.properties and restart' };
}

/** Every topic config with its effective value and source (CreateTopics v5+ response). */
export function topicConfigEntries(b: BrokerContext, overrides: ReadonlyMap<string, string | null>): { name: string; value: string | null; readOnly: boolean; configSource: number; isSensitive: boolean }[] {
  return TOPIC_CONFIG_DEFS.map((def) => {
    const override = overrides.get(def.name);
    if (override !== undefined && override !== null) return { name: def.name, value: override.trim(), readOnly: false, configSource: SOURCE.DYNAMIC_TOPIC_CONFIG, isSensitive: false };
    const fallback = b.config.topicDefault(def.name);
    return { name: def.name, value: fallback.value, readOnly: false, configSource: fallback.source === 'STATIC_BROKER_CONFIG' ? SOURCE.STATIC_BROKER_CONFIG : SOURCE.DEFAULT_CONFIG, isSensitive: false };
  });
}
