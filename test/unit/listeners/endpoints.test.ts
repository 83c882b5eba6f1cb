import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROTOCOL_MAP,
  ListenerConfigError,
  checkAdvertisedRoutable,
  formatListeners,
  parseEndpoint,
  parseListeners,
  parseProtocolMap,
} from '../../../src/listeners/endpoints.js';

function error(fn: () => unknown): ListenerConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ListenerConfigError);
    return err as ListenerConfigError;
  }
  throw new Error('expected a ListenerConfigError');
}

describe('listener endpoints', () => {
  it('parses names, hosts (empty, IPv4, IPv6, names) and ports', () => {
    const map = parseProtocolMap('PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,external:ssl');
    const eps = parseListeners('PLAINTEXT://127.0.0.1:9092, controller://:9093,EXTERNAL://[::1]:9094', map);
    expect(eps).toEqual([
      { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' },
      { listenerName: 'CONTROLLER', host: null, port: 9093, securityProtocol: 'PLAINTEXT' },
      { listenerName: 'EXTERNAL', host: '::1', port: 9094, securityProtocol: 'SSL' },
    ]);
    expect(formatListeners(eps)).toBe('PLAINTEXT://127.0.0.1:9092,CONTROLLER://:9093,EXTERNAL://[::1]:9094');
  });

  it('uses Kafka\'s wording for an unparseable entry (L1), wrapped as Kafka wraps it', () => {
    const e = error(() => parseListeners('PLAINTEXT://localhost'));
    expect(e.rule).toBe('L1');
    expect(e.message).toBe("Error creating broker listeners from 'PLAINTEXT://localhost': Unable to parse PLAINTEXT://localhost to a broker endpoint");
  });

  it('needs a security protocol for every listener name (L2)', () => {
    const e = error(() => parseListeners('INTERNAL://127.0.0.1:9092', DEFAULT_PROTOCOL_MAP));
    expect(e.rule).toBe('L2');
    expect(e.message).toContain('No security protocol defined for listener INTERNAL');
  });

  it('rejects unknown protocols and malformed map entries (L3)', () => {
    expect(error(() => parseProtocolMap('A:PLAIN')).message).toBe('Invalid security protocol `PLAIN` defined in listener.security.protocol.map');
    expect(error(() => parseProtocolMap('A')).message).toMatch(/^Error parsing configuration property 'listener.security.protocol.map'/);
  });

  it('rejects duplicate names (L4) and ports (L5), but not port 0 or advertised duplicates (L6)', () => {
    expect(error(() => parseListeners('PLAINTEXT://a:1,plaintext://b:2')).rule).toBe('L4');
    const map = parseProtocolMap('A:PLAINTEXT,B:PLAINTEXT,C:PLAINTEXT');
    expect(error(() => parseListeners('A://a:1,B://b:1', map)).message).toBe(
      'If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, listeners: A://a:1,B://b:1, port: 1',
    );
    expect(parseListeners('A://127.0.0.1:1,B://[::1]:1', map)).toHaveLength(2);
    expect(parseListeners('A://a:0,B://b:0', map)).toHaveLength(2);
    expect(parseListeners('A://a:1,B://b:1', map, { property: 'advertised.listeners' })).toHaveLength(2);
    expect(error(() => parseListeners('A://127.0.0.1:1,B://[::1]:1,C://c:1', map)).rule).toBe('L5');
  });

  it('rejects out-of-range ports', () => {
    expect(error(() => parseEndpoint('PLAINTEXT://a:70000')).message).toContain('out of range');
  });

  it('flags 0.0.0.0 in advertised listeners with Kafka\'s message (L7)', () => {
    expect(checkAdvertisedRoutable(parseListeners('PLAINTEXT://0.0.0.0:9092'))).toBe(
      'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.',
    );
    expect(checkAdvertisedRoutable(parseListeners('PLAINTEXT://127.0.0.1:9092'))).toBeNull();
  });
});
