/**
 * Raft message bodies to and from wire bytes with the generated codecs (request/response bodies only: the
 * request/response headers and the 4-byte frame are the connection layer's job). The simulation can push
 * every message through here, which proves the core's messages survive the real encodings at the chosen
 * versions — e.g. Fetch v13-14 carry the replica id in the body, v15+ in ReplicaState; v13+ name the topic by id.
 */
import { Reader } from '../../protocol/reader.js';
import { Writer } from '../../protocol/writer.js';
import { readBeginQuorumEpochRequest, readBeginQuorumEpochResponse, writeBeginQuorumEpochRequest, writeBeginQuorumEpochResponse } from '../../protocol/generated/begin-quorum-epoch.js';
import { readEndQuorumEpochRequest, readEndQuorumEpochResponse, writeEndQuorumEpochRequest, writeEndQuorumEpochResponse } from '../../protocol/generated/end-quorum-epoch.js';
import { readFetchRequest, readFetchResponse, writeFetchRequest, writeFetchResponse } from '../../protocol/generated/fetch.js';
import { readFetchSnapshotRequest, readFetchSnapshotResponse, writeFetchSnapshotRequest, writeFetchSnapshotResponse } from '../../protocol/generated/fetch-snapshot.js';
import { readVoteRequest, readVoteResponse, writeVoteRequest, writeVoteResponse } from '../../protocol/generated/vote.js';
import type { RaftMessage, RaftMessageType } from './types.js';

/** API keys of the KRaft RPCs (DescribeQuorum, 55, is an admin API answered by RaftNode.describeQuorum). */
export const RAFT_API_KEYS = { Vote: 52, BeginQuorumEpoch: 53, EndQuorumEpoch: 54, Fetch: 1, FetchSnapshot: 59, DescribeQuorum: 55 } as const;

export type RaftApi = 'Vote' | 'BeginQuorumEpoch' | 'EndQuorumEpoch' | 'Fetch' | 'FetchSnapshot';
export type RaftApiVersions = Record<RaftApi, number>;

/** Lowest versions that carry what KRaft needs (Fetch 12 added lastFetchedEpoch and divergingEpoch; 13 topic ids). */
export const MIN_RAFT_API_VERSIONS: RaftApiVersions = { Vote: 0, BeginQuorumEpoch: 0, EndQuorumEpoch: 0, Fetch: 13, FetchSnapshot: 0 };
/** Newest versions in the Kafka 3.9 schemas the codecs were generated from. */
export const MAX_RAFT_API_VERSIONS: RaftApiVersions = { Vote: 1, BeginQuorumEpoch: 1, EndQuorumEpoch: 1, Fetch: 17, FetchSnapshot: 1 };

export class RaftWireError extends Error {
  readonly code = 'KSTACK_RAFT_WIRE';
  constructor(message: string) {
    super(message);
    this.name = 'RaftWireError';
  }
}

export function apiOf(type: RaftMessageType): RaftApi {
  return type.replace(/(Request|Response)$/, '') as RaftApi;
}

function checkVersion(api: RaftApi, version: number): void {
  if (!Number.isInteger(version) || version < MIN_RAFT_API_VERSIONS[api] || version > MAX_RAFT_API_VERSIONS[api]) {
    throw new RaftWireError(`${api} version ${version} cannot carry KRaft messages (supported ${MIN_RAFT_API_VERSIONS[api]}-${MAX_RAFT_API_VERSIONS[api]})`);
  }
}

export function encodeRaftBody(message: RaftMessage, version: number): Buffer {
  checkVersion(apiOf(message.type), version);
  const w = new Writer(256);
  switch (message.type) {
    case 'VoteRequest': writeVoteRequest(w, version, message.body); break;
    case 'VoteResponse': writeVoteResponse(w, version, message.body); break;
    case 'BeginQuorumEpochRequest': writeBeginQuorumEpochRequest(w, version, message.body); break;
    case 'BeginQuorumEpochResponse': writeBeginQuorumEpochResponse(w, version, message.body); break;
    case 'EndQuorumEpochRequest': writeEndQuorumEpochRequest(w, version, message.body); break;
    case 'EndQuorumEpochResponse': writeEndQuorumEpochResponse(w, version, message.body); break;
    case 'FetchRequest': writeFetchRequest(w, version, message.body); break;
    case 'FetchResponse': writeFetchResponse(w, version, message.body); break;
    case 'FetchSnapshotRequest': writeFetchSnapshotRequest(w, version, message.body); break;
    case 'FetchSnapshotResponse': writeFetchSnapshotResponse(w, version, message.body); break;
  }
  return Buffer.from(w.finish());
}

/** Decodes a body; throws RaftWireError when the bytes are malformed or not fully consumed. */
export function decodeRaftBody(type: RaftMessageType, envelope: { from: number; to: number; correlationId: number }, buf: Buffer, version: number): RaftMessage {
  checkVersion(apiOf(type), version);
  const r = new Reader(buf);
  let message: RaftMessage;
  switch (type) {
    case 'VoteRequest': message = { type, ...envelope, body: readVoteRequest(r, version) }; break;
    case 'VoteResponse': message = { type, ...envelope, body: readVoteResponse(r, version) }; break;
    case 'BeginQuorumEpochRequest': message = { type, ...envelope, body: readBeginQuorumEpochRequest(r, version) }; break;
    case 'BeginQuorumEpochResponse': message = { type, ...envelope, body: readBeginQuorumEpochResponse(r, version) }; break;
    case 'EndQuorumEpochRequest': message = { type, ...envelope, body: readEndQuorumEpochRequest(r, version) }; break;
    case 'EndQuorumEpochResponse': message = { type, ...envelope, body: readEndQuorumEpochResponse(r, version) }; break;
    case 'FetchRequest': message = { type, ...envelope, body: readFetchRequest(r, version) }; break;
    case 'FetchResponse': message = { type, ...envelope, body: readFetchResponse(r, version) }; break;
    case 'FetchSnapshotRequest': message = { type, ...envelope, body: readFetchSnapshotRequest(r, version) }; break;
    case 'FetchSnapshotResponse': message = { type, ...envelope, body: readFetchSnapshotResponse(r, version) }; break;
    default: throw new RaftWireError(`unknown Raft message type ${String(type)}`);
  }
  if (!r.ok) throw new RaftWireError(`malformed ${type} v${version}: ${r.error}`);
  if (r.remaining() !== 0) throw new RaftWireError(`${r.remaining()} unread bytes after ${type} v${version}`);
  return message;
}
