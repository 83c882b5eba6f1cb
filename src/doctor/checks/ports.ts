/** `ports`: every port the stack will bind is free; a taken one names its holder where the OS tells. */
import type { PlatformContext } from '../../platform.js';
import type { PortAssignment } from '../../stack/plan.js';
import { checkPorts, describePortProblem } from '../../stack/ports.js';
import { error, ok, type Finding } from '../finding.js';

export async function checkStackPorts(ctx: PlatformContext, ports: readonly PortAssignment[]): Promise<Finding[]> {
  const problems = await checkPorts(ports, ctx);
  if (problems.length === 0) {
    const nums = ports.map((p) => p.port);
    const range = nums.length === 0 ? 'none' : `${Math.min(...nums)}-${Math.max(...nums)}`;
    return [ok('ports', `all ${ports.length} ports of the stack are free (${range})`, { ports: nums })];
  }
  return problems.map((p) => {
    const pids = p.holders.map((h) => h.pid);
    const fix =
      p.state === 'unavailable'
        ? `use an address this machine has (--host) or a port above 1024 (--base-port)`
        : pids.length > 0
          ? `stop it (kill ${pids.join(' ')}) or choose other ports: --base-port <port>`
          : `find it (${ctx.platform === 'darwin' ? `lsof -nP -iTCP:${p.port} -sTCP:LISTEN` : `sudo ss -ltnp 'sport = :${p.port}'`}) and stop it, or choose other ports: --base-port <port>`;
    return error('ports', describePortProblem(p), fix, { port: p.port, host: p.host, owner: p.owner, purpose: p.purpose, state: p.state, holders: p.holders });
  });
}
