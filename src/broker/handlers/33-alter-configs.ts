/**
 * AlterConfigs (key 33), versions 0-1.
 * TOPIC resources: the given set REPLACES the topic's overrides (Kafka's legacy semantics); every name and
 * value is validated first (INVALID_CONFIG, nothing applied). validate_only checks without changing.
 * Not implemented: dynamic BROKER configs (INVALID_REQUEST with a message saying to edit server.properties).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/generated/alter-configs.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { RESOURCE_BROKER, RESOURCE_TOPIC, applyTopicConfigs, brokerResourceError } from './support/configs.js';

export const handler: HandlerEntry<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((res) => {
        const base = { resourceType: res.resourceType, resourceName: res.resourceName };
        if (res.resourceType === RESOURCE_TOPIC) {
          const next = new Map<string, string>();
          for (const c of res.configs) if (c.value !== null) next.set(c.name, c.value.trim());
          return { ...base, ...applyTopicConfigs(ctx.broker, res.resourceName, next, req.validateOnly) };
        }
        if (res.resourceType === RESOURCE_BROKER) return { ...base, ...brokerResourceError(ctx.broker, res.resourceName) };
        return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${res.resourceType}` };
      }),
    };
  },
};
