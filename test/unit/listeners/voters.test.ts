import { describe, expect, it } from 'vitest';
import { formatVoters, parseVoters } from '../../../src/listeners/voters.js';

describe('controller.quorum.voters', () => {
  it('parses ids, hosts and ports and formats them back', () => {
    const voters = parseVoters('1@127.0.0.1:9093, 2@[::1]:9094,3@ctl-3:9095');
    expect(voters).toEqual([
      { id: 1, host: '127.0.0.1', port: 9093 },
      { id: 2, host: '::1', port: 9094 },
      { id: 3, host: 'ctl-3', port: 9095 },
    ]);
    expect(parseVoters(formatVoters(voters))).toEqual(voters);
  });

  it.each([
    ['127.0.0.1:9093', 'Invalid configuration value for controller.quorum.voters. Each entry should be in the form `{id}@{host}:{port}`.'],
    ['a@127.0.0.1:9093', 'Failed to parse voter ID as an integer from a'],
    ['1@127.0.0.1', 'Failed to parse host name from entry 1@127.0.0.1 for the configuration controller.quorum.voters. Each entry should be in the form `{id}@{host}:{port}`.'],
    ['1@0.0.0.0:9093', 'Host string (0.0.0.0) is not routeable'],
    ['1@a:1,1@b:2', 'Invalid configuration value for controller.quorum.voters: voter id 1 appears more than once'],
  ])('rejects %s with Kafka\'s wording', (value, message) => {
    expect(() => parseVoters(value)).toThrow(message);
  });
});
