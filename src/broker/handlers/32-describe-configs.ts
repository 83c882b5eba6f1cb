/**
 * DescribeConfigs (key 32), versions 0-4 (v4 flexible).
 * TOPIC: every topic config (config.ts TOPIC_CONFIG_DEFS) with its value and source — DYNAMIC_TOPIC_CONFIG for
 * overrides, STATIC_BROKER_CONFIG when server.properties sets the broker synonym, else DEFAULT_CONFIG — and
 * synonyms (v1+) when asked. BROKER (name = this node id or ""): every known broker config with its value
 * (server.properties or Kafka's default). Passwords would be sensitive (value null); none are defined.
 * v3+: each entry carries its config type (Kafka's ConfigType ids); documentation is null (none bundled).
 * Not implemented: BROKER_LOGGER resources (INVALID_REQUEST).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { DescribeConfigsRequest, DescribeConfigsResourceResult, DescribeConfigsResponse, DescribeConfigsResult } from '../../protocol/generated/describe-configs.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { BROKER_CONFIG_DEFS, TOPIC_CONFIG_DEFS, type ConfigType } from '../config.js';

/** DescribeConfigsResponse ConfigType ids (Kafka's ConfigEntry.ConfigType). */
const CONFIG_TYPE_ID: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9 };
import { RESOURCE_BROKER, RESOURCE_TOPIC, SOURCE } from './support/configs.js';

export const handler: HandlerEntry<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const b = ctx.broker;
    const results = req.resources.map((res): DescribeConfigsResult => {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      const wanted = (name: string) => res.configurationKeys === null || res.configurationKeys.length === 0 || res.configurationKeys.includes(name);
      if (res.resourceType === RESOURCE_TOPIC) {
        const topic = b.topics.get(res.resourceName);
        if (!topic) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${res.resourceName} does not exist`, configs: [] };
        const configs: DescribeConfigsResourceResult[] = [];
        for (const def of TOPIC_CONFIG_DEFS) {
          if (!wanted(def.name)) continue;
          const fallback = b.config.topicDefault(def.name);
          const override = topic.configs.get(def.name);
          const source = override !== undefined ? SOURCE.DYNAMIC_TOPIC_CONFIG : fallback.source === 'STATIC_BROKER_CONFIG' ? SOURCE.STATIC_BROKER_CONFIG : SOURCE.DEFAULT_CONFIG;
          const synonyms = [];
          if (req.includeSynonyms) {
            if (override !== undefined) synonyms.push({ name: def.name, value: override, source: SOURCE.DYNAMIC_TOPIC_CONFIG });
            if (fallback.synonym) synonyms.push({ name: fallback.synonym, value: b.config.values.get(fallback.synonym) ?? fallback.value, source: SOURCE.STATIC_BROKER_CONFIG });
            if (def.brokerSynonym && def.brokerSynonym !== fallback.synonym) synonyms.push({ name: def.brokerSynonym, value: def.default, source: SOURCE.DEFAULT_CONFIG });
          }
          configs.push({ name: def.name, value: override ?? fallback.value, readOnly: false, isDefault: source === SOURCE.DEFAULT_CONFIG, configSource: source, isSensitive: false, synonyms, configType: CONFIG_TYPE_ID[def.type], documentation: null });
        }
        return { ...base, errorCode: 0, errorMessage: null, configs };
      }
      if (res.resourceType === RESOURCE_BROKER) {
        if (res.resourceName !== '' && res.resourceName !== String(b.nodeId)) {
          return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${b.nodeId} or empty string, but received ${res.resourceName}`, configs: [] };
        }
        const configs: DescribeConfigsResourceResult[] = [];
        for (const def of BROKER_CONFIG_DEFS) {
          if (!wanted(def.name)) continue;
          const set = b.config.values.get(def.name);
          const source = set !== undefined ? SOURCE.STATIC_BROKER_CONFIG : SOURCE.DEFAULT_CONFIG;
          const synonyms = req.includeSynonyms ? [{ name: def.name, value: set ?? def.default, source }] : [];
          configs.push({ name: def.name, value: set ?? def.default, readOnly: def.readOnly ?? true, isDefault: set === undefined, configSource: source, isSensitive: def.type === 'password', synonyms, configType: CONFIG_TYPE_ID[def.type], documentation: null });
        }
        return { ...base, errorCode: 0, errorMessage: null, configs };
      }
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${res.resourceType}`, configs: [] };
    });
    return { throttleTimeMs: 0, results };
  },
};
