/** `zookeeper`: zk mode runs the user's own Apache ZooKeeper (ZOOKEEPER_HOME, Homebrew, or Debian's package). */
import { installCommand, type PlatformContext } from '../../platform.js';
import type { ZooKeeperInstallation } from '../../stack/zookeeper.js';
import { error, ok, type Finding } from '../finding.js';

export function checkZooKeeper(ctx: Pick<PlatformContext, 'platform' | 'env'>, found: ZooKeeperInstallation | null): Finding[] {
  if (!found) {
    const home = ctx.env.ZOOKEEPER_HOME;
    return [
      error(
        'zookeeper',
        `no ZooKeeper installation found (looked in ${home ? `ZOOKEEPER_HOME=${home}, ` : 'ZOOKEEPER_HOME, '}/opt/homebrew/opt/zookeeper, /usr/local/opt/zookeeper, /usr/share/zookeeper); zk mode needs one`,
        `${installCommand(ctx, 'zookeeper')}   (or set ZOOKEEPER_HOME to an unpacked Apache ZooKeeper release)`,
      ),
    ];
  }
  return [ok('zookeeper', `ZooKeeper (${found.kind}) at ${found.location}`, { kind: found.kind, location: found.location })];
}
