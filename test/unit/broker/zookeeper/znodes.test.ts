import { describe, expect, it } from 'vitest';
import {
  brokerRegistrationJson,
  parseBrokerRegistration,
  splitZookeeperConnect,
  topicAssignmentJson,
  parseTopicAssignment,
  clusterIdJson,
  parseClusterId,
} from '../../../../src/broker/zookeeper/znodes.js';

describe('Kafka znode payloads', () => {
  it('writes the broker registration Kafka writes, and reads it back', () => {
    const json = brokerRegistrationJson({
      brokerId: 1,
      timestamp: 1700000000000,
      endpoints: [
        { listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: 'kafka-1', port: 29092 },
        { listenerName: 'EXTERNAL', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
      ],
    });
    expect(JSON.parse(json)).toEqual({
      features: {},
      listener_security_protocol_map: { INTERNAL: 'PLAINTEXT', EXTERNAL: 'PLAINTEXT' },
      endpoints: ['INTERNAL://kafka-1:29092', 'EXTERNAL://127.0.0.1:9092'],
      jmx_port: -1,
      port: 29092,
      host: 'kafka-1',
      version: 5,
      timestamp: '1700000000000',
    });
    expect(parseBrokerRegistration(1, json).endpoints.map((e) => `${e.listenerName}:${e.port}`)).toEqual(['INTERNAL:29092', 'EXTERNAL:9092']);
  });

  it('reads a pre-listener (version 1) registration from host and port', () => {
    const parsed = parseBrokerRegistration(3, '{"jmx_port":-1,"timestamp":"1","host":"h","version":1,"port":9092}');
    expect(parsed.endpoints).toEqual([{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h', port: 9092 }]);
  });

  it('reads IPv6 endpoints', () => {
    const parsed = parseBrokerRegistration(1, '{"endpoints":["PLAINTEXT://[::1]:9092"],"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"}}');
    expect(parsed.endpoints[0]).toMatchObject({ host: '::1', port: 9092 });
  });

  it('splits zookeeper.connect into hosts and chroot', () => {
    expect(splitZookeeperConnect('a:2181,b:2182/kafka')).toEqual({ hosts: 'a:2181,b:2182', chroot: '/kafka' });
    expect(splitZookeeperConnect('a:2181')).toEqual({ hosts: 'a:2181', chroot: '' });
    expect(splitZookeeperConnect('a:2181/x/y/')).toEqual({ hosts: 'a:2181', chroot: '/x/y' });
  });

  it('round-trips topic assignments and the cluster id', () => {
    const json = topicAssignmentJson('AAAAAAAAAAAAAAAAAAAAAQ', new Map([[1, [2, 1]], [0, [1, 2]]]));
    expect(json).toBe('{"version":3,"topic_id":"AAAAAAAAAAAAAAAAAAAAAQ","partitions":{"0":[1,2],"1":[2,1]},"adding_replicas":{},"removing_replicas":{}}');
    expect(parseTopicAssignment(json).assignment.get(1)).toEqual([2, 1]);
    expect(parseClusterId(clusterIdJson('abc'))).toBe('abc');
    expect(() => parseClusterId('{"version":"1"}')).toThrow(/no cluster id/);
  });
});
