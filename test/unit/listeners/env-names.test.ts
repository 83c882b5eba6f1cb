import { describe, expect, it } from 'vitest';
import { envToProperty, propertyToEnv } from '../../../src/listeners/env-names.js';

describe('docker image env-var name schemes', () => {
  it.each([
    ['apache', 'listener.security.protocol.map', 'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP'],
    ['apache', 'log.dirs', 'KAFKA_LOG_DIRS'],
    ['apache', 'my_prop-x.y', 'KAFKA_MY__PROP___X_Y'],
    ['confluent', 'my_prop-x.y', 'KAFKA_MY___PROP__X_Y'],
    ['bitnami', 'advertised.listeners', 'KAFKA_CFG_ADVERTISED_LISTENERS'],
  ] as const)('%s spells %s as %s, and back', (scheme, property, env) => {
    expect(propertyToEnv(scheme, property)).toBe(env);
    expect(envToProperty(scheme, env)).toBe(property);
  });

  it('bitnami cannot spell - or _', () => {
    expect(propertyToEnv('bitnami', 'a_b')).toBeNull();
  });

  it('ignores variables without the prefix', () => {
    expect(envToProperty('bitnami', 'KAFKA_LOG_DIRS')).toBeNull();
    expect(envToProperty('apache', 'PATH')).toBeNull();
  });
});
