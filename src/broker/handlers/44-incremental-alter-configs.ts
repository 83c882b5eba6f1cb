/**
 * IncrementalAlterConfigs (key 44), versions 0-1.
 * TOPIC resources: SET (0), DELETE (1), APPEND (2) and SUBTRACT (3) (list configs only: cleanup.policy) applied to
 * the topic's overrides, validated before anything changes; validate_only checks only. A config named twice in
 * one resource → INVALID_REQUEST. Not implemented: dynamic BROKER configs (INVALID_REQUEST).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { topicConfigDef } from '../config.js';
import { effectiveTopicConfig } from '../metadata/topic-admin.js';
import { RESOURCE_BROKER, RESOURCE_TOPIC, applyTopicConfigs, brokerResourceError } from './support/configs.js';

export const handler: HandlerEntry<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const b = ctx.broker;
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((res) => {
        const base = { resourceType: res.resourceType, resourceName: res.resourceName };
        const fail = (errorCode: number, errorMessage: string) => ({ ...base, errorCode, errorMessage });
        if (res.resourceType === RESOURCE_BROKER) return { ...base, ...brokerResourceError(b, res.resourceName) };
        if (res.resourceType !== RESOURCE_TOPIC) return fail(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${res.resourceType}`);
        const topic = b.topics.get(res.resourceName);
        if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${res.resourceName} does not exist`);
        const names = res.configs.map((c) => c.name);
        if (new Set(names).size !== names.length) return fail(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
        const next = new Map(topic.configs);
        for (const c of res.configs) {
          const def = topicConfigDef(c.name);
          if (!def) return fail(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
          switch (c.configOperation) {
            case 0:
              if (c.value === null) return fail(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
              next.set(c.name, c.value.trim());
              break;
            case 1:
              next.delete(c.name);
              break;
            case 2:
            case 3: {
              if (def.type !== 'list') return fail(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${c.name}`);
              const current = effectiveTopicConfig(b.config, next, c.name).split(',').map((s) => s.trim()).filter(Boolean);
              const items = (c.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
              const result = c.configOperation === 2 ? [...current, ...items.filter((i) => !current.includes(i))] : current.filter((i) => !items.includes(i));
              next.set(c.name, result.join(','));
              break;
            }
            default:
              return fail(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation}`);
          }
        }
        return { ...base, ...applyTopicConfigs(b, res.resourceName, next, req.validateOnly) };
      }),
    };
  },
};
