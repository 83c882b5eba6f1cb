/**
 * ApiVersions (key 18), versions 0-3.
 * The list comes from the handler table (dispatch.ts), so what is advertised is exactly what is implemented.
 * An unknown version is answered by dispatch.ts in v0 with UNSUPPORTED_VERSION and the full list (KIP-511).
 * Differs from Kafka: no supported/finalized features (v3 tagged fields are omitted); v4 is not advertised.
 */
import type { HandlerEntry } from '../dispatch.js';
import { advertisedVersions } from '../dispatch.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';

export const handler: HandlerEntry<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: 18,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    // KIP-511: a v3+ request must carry a valid client software name/version.
    const valid = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;
    const bad = ctx.apiVersion >= 3 && (!valid.test(req.clientSoftwareName) || !valid.test(req.clientSoftwareVersion));
    return { errorCode: bad ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE, apiKeys: advertisedVersions(ctx.broker.handlers), throttleTimeMs: 0 };
  },
};
