import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkPorts, probePort } from '../../../src/stack/ports.js';
import { systemPlatform } from '../../../src/platform.js';
import { freePort } from '../../support/ports.js';

async function listen(port: number, host: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(port, host, r));
  return server;
}

describe('port checks', () => {
  it('a free port is free', async () => {
    expect(await probePort(await freePort(), '127.0.0.1')).toEqual({ state: 'free' });
  });

  it('a port held on 127.0.0.1, or on every interface, is in use', async () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const port = await freePort();
      const server = await listen(port, host);
      try {
        expect(await probePort(port, '127.0.0.1')).toEqual({ state: 'in-use' });
      } finally {
        server.close();
      }
    }
  });

  it('an address this machine does not have is unavailable, not in use', async () => {
    const state = await probePort(await freePort(), '192.0.2.1');
    expect(state.state).toBe('unavailable');
  });

  it('checkPorts names the holder of each taken port', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const server = await listen(b, '127.0.0.1');
    try {
      const problems = await checkPorts(
        [
          { port: a, host: '127.0.0.1', owner: 'broker-1', purpose: 'PLAINTEXT' },
          { port: b, host: '127.0.0.1', owner: 'broker-1', purpose: 'CONTROLLER' },
        ],
        systemPlatform(),
      );
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ port: b, state: 'in-use', owner: 'broker-1', purpose: 'CONTROLLER' });
      expect(problems[0].holders.map((h) => h.pid)).toContain(process.pid);
      expect(problems[0].detail).toContain(`pid ${process.pid}`);
    } finally {
      server.close();
    }
  });
});
