/** `platform`: kstack supports linux/darwin on x64/arm64; an x64 Node under Rosetta on Apple Silicon works, slowly. */
import { isRosettaTranslated, isSupportedTarget, targetOf, type PlatformContext } from '../../platform.js';
import { error, ok, warn, type Finding } from '../finding.js';

export async function checkPlatform(ctx: PlatformContext): Promise<Finding[]> {
  const target = targetOf(ctx);
  if (!isSupportedTarget(target)) {
    return [error('platform', `${target} is not supported (kstack runs on linux-x64, linux-arm64, darwin-x64, darwin-arm64)`, 'run kstack on Linux or macOS (on Windows: inside WSL 2)', { target })];
  }
  if (await isRosettaTranslated(ctx)) {
    return [
      warn('platform', `${target}: this Node is an x64 build running under Rosetta 2 on Apple Silicon (slower, and native tools may mismatch)`, 'install an arm64 Node: brew install node@20 (from /opt/homebrew), or nvm install 20 in an arm64 shell (arch -arm64 zsh)', { target, rosetta: true }),
    ];
  }
  return [ok('platform', target, { target, rosetta: false })];
}
