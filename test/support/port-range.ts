/**
 * A run of `count` consecutive free loopback ports (kstack allocates stack ports contiguously from --base-port).
 * Probes random starting points in the ephemeral range until every port of a run binds; a port can still be
 * taken between the probe and its use, which tests accept as they do for freePort().
 */
import { createServer } from 'node:net';

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Below Linux's ephemeral range (32768+), so port-0 sockets of parallel tests do not land in the run.
    const start = 20000 + Math.floor(Math.random() * (12000 - count));
    let ok = true;
    for (let p = start; p < start + count && ok; p++) ok = await bindable(p);
    if (ok) return start;
  }
  throw new Error(`no run of ${count} free ports found`);
}
