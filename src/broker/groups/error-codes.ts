/**
 * The Kafka error codes the group coordinator answers with: Kafka's one generated table, under the name the
 * coordinator's modules import (so they stay readable as `E.UNKNOWN_MEMBER_ID`).
 */
export { ErrorCode as GroupErrorCode } from '../../protocol/generated/error-codes.js';
