/**
 * The KRaft Raft core: a pure, deterministic quorum implementation (see node.ts for the protocol and what is
 * not implemented yet). The broker wiring (sockets, the file-backed log, timers) builds on these exports.
 */
export { RaftNode, RaftConfigError, METADATA_TOPIC_ID, type ProposeResult, type RaftNodeOptions } from './node.js';
export { MemoryRaftLog, RaftLogError, type RaftLog } from './log.js';
export { MemoryQuorumStateStore, decodeQuorumStateFile, encodeQuorumStateFile, QuorumStateFileError, type QuorumState, type QuorumStateStore } from './quorum-state.js';
export { MemorySnapshotStore, type SnapshotStore } from './snapshot-store.js';
export { decodeEntries, encodeEntries, decodeLeaderChange, encodeLeaderChange, RaftRecordsError, LEADER_CHANGE_CONTROL_TYPE } from './records.js';
export { quorumReport, QuorumReportError, type QuorumReport, type QuorumReplicationRow } from './quorum-report.js';
export { encodeRaftBody, decodeRaftBody, RAFT_API_KEYS, MIN_RAFT_API_VERSIONS, MAX_RAFT_API_VERSIONS, RaftWireError, type RaftApiVersions } from './wire.js';
export * from './types.js';
