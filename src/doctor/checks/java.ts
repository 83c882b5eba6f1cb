/** `java`: ZooKeeper and Apache Kafka run on the JVM. Kafka 3.x runs on 11 and 17 (8 deprecated), Kafka 4.x needs 17. */
import { join } from 'node:path';
import { installCommand, type PlatformContext } from '../../platform.js';
import { error, ok, warn, type Finding } from '../finding.js';

/** Major version from `java -version` output: `openjdk version "17.0.13"`, `java version "1.8.0_392"`. */
export function parseJavaVersion(output: string): { version: string; major: number } | null {
  const m = /version "([^"]+)"/.exec(output);
  if (!m) return null;
  const parts = m[1].split(/[.+_-]/);
  const major = parts[0] === '1' ? Number(parts[1]) : Number(parts[0]);
  return Number.isFinite(major) ? { version: m[1], major } : null;
}

export async function checkJava(ctx: PlatformContext, purpose: { forKafka: boolean }): Promise<Finding[]> {
  const home = ctx.env.JAVA_HOME;
  const java = home ? join(home, 'bin', 'java') : 'java';
  const r = await ctx.run(java, ['-version'], { timeoutMs: 15000 });
  const needs = purpose.forKafka ? 'Apache Kafka' : 'ZooKeeper';
  if (r === null) {
    return [error('java', `no Java found (${home ? `JAVA_HOME=${home} has no bin/java` : '`java` is not on PATH'}); ${needs} needs it`, installCommand(ctx, 'java'))];
  }
  const parsed = parseJavaVersion(`${r.stderr}\n${r.stdout}`);
  if (r.code !== 0 || !parsed) return [error('java', `\`${java} -version\` failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`, installCommand(ctx, 'java'))];
  const data = { java, version: parsed.version, major: parsed.major };
  if (parsed.major < 8) return [error('java', `Java ${parsed.version} is too old for ${needs}`, installCommand(ctx, 'java'), data)];
  if (purpose.forKafka && parsed.major < 17) {
    return [warn('java', `Java ${parsed.version}: Kafka 3.x runs on it, Kafka 4.x needs Java 17`, installCommand(ctx, 'java'), data)];
  }
  return [ok('java', `Java ${parsed.version} (${java})`, data)];
}
