/**
 * Finding a local Apache Kafka installation for `kstack up --engine kafka`, and the Java it needs.
 *
 * An installation is any directory with Kafka's jars in `libs/` (a release tarball's layout, whose `bin/` we do
 * not need: kstack runs `java -cp 'libs/*' kafka.Kafka server.properties` itself, as kafka-run-class.sh does).
 * Searched in this order: --kafka-home, $KAFKA_HOME, Homebrew's /opt/homebrew/opt/kafka/libexec (Apple
 * Silicon) and /usr/local/opt/kafka/libexec (Intel), /opt/kafka. The version comes from the core jar's name
 * (libs/kafka_2.13-4.1.0.jar). Java: Kafka 4.x brokers need 17+, Kafka 3.x runs on 11+ (KIP-750, KIP-1013).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KstackError } from '../../errors.js';
import { parseJavaVersion } from '../../doctor/checks/java.js';

export interface KafkaInstallation {
  home: string;
  libs: string;
  /** Classpath wildcard for `java -cp` (the JVM expands `libs/*`). */
  classpath: string;
  version: string;
  major: number;
  minor: number;
  /** Kafka 3.x logs through log4j 1 (reload4j); 4.x through log4j2 (KIP-653). */
  logging: 'log4j1' | 'log4j2';
}

const CORE_JAR = /^kafka_2\.1[0-9]-(\d+)\.(\d+)\.(\d+)(?:[-.][A-Za-z0-9.-]+)?\.jar$/;

export function defaultKafkaHomes(env: NodeJS.ProcessEnv): string[] {
  return [env.KAFKA_HOME, '/opt/homebrew/opt/kafka/libexec', '/usr/local/opt/kafka/libexec', '/opt/kafka'].filter((d): d is string => Boolean(d));
}

/** The installation in `home`, or null when `home` has no Kafka core jar in libs/. */
export function readKafkaInstallation(home: string): KafkaInstallation | null {
  const dir = resolve(home);
  const libs = join(dir, 'libs');
  if (!existsSync(libs)) return null;
  let entries: string[];
  try {
    entries = readdirSync(libs);
  } catch {
    return null;
  }
  for (const name of entries) {
    const m = CORE_JAR.exec(name);
    if (!m || name.includes('-test') || name.includes('-sources') || name.includes('-javadoc')) continue;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    return { home: dir, libs, classpath: join(libs, '*'), version: `${m[1]}.${m[2]}.${m[3]}`, major, minor, logging: major >= 4 ? 'log4j2' : 'log4j1' };
  }
  return null;
}

export function installHint(platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? 'brew install kafka   (or unpack a release from https://kafka.apache.org/downloads and pass --kafka-home DIR)'
    : 'unpack a release from https://kafka.apache.org/downloads (tar xzf kafka_2.13-<version>.tgz) and pass --kafka-home DIR or set KAFKA_HOME';
}

/** --kafka-home when given (it must hold an installation), else the first default location that does. */
export function findKafkaInstallation(kafkaHome: string | undefined, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): KafkaInstallation {
  if (kafkaHome !== undefined) {
    const found = readKafkaInstallation(kafkaHome);
    if (!found) {
      throw new KstackError('KSTACK_NO_KAFKA', `--kafka-home ${kafkaHome} is not an Apache Kafka installation (no libs/kafka_2.13-<version>.jar in it)`, {
        exitCode: 2,
        fix: 'point --kafka-home at the unpacked release (the directory that holds bin/ and libs/), e.g. --kafka-home ~/kafka_2.13-4.1.0',
      });
    }
    return found;
  }
  const tried = defaultKafkaHomes(env);
  for (const home of tried) {
    const found = readKafkaInstallation(home);
    if (found) return found;
  }
  throw new KstackError('KSTACK_NO_KAFKA', `--engine kafka needs a local Apache Kafka installation, and none was found (looked in ${tried.join(', ')})`, {
    exitCode: 2,
    fix: installHint(platform),
  });
}

export function javaExecutable(env: NodeJS.ProcessEnv): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** The Java major version Kafka `major` needs to run a broker. */
export function requiredJava(kafka: Pick<KafkaInstallation, 'major'>): number {
  return kafka.major >= 4 ? 17 : 11;
}

export function javaInstallHint(platform: NodeJS.Platform, major: number): string {
  return platform === 'darwin' ? `brew install openjdk@${major}` : `sudo apt-get install -y openjdk-${major}-jre-headless   (or set JAVA_HOME to a JDK ${major}+)`;
}

/** Runs `java -version` and refuses a missing or too old Java before anything starts. */
export async function checkJavaFor(kafka: KafkaInstallation, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<{ java: string; version: string; major: number }> {
  const java = javaExecutable(env);
  const need = requiredJava(kafka);
  const out = await new Promise<string | null>((done) => {
    execFile(java, ['-version'], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return done(null);
      done(`${stderr}\n${stdout}`);
    });
  });
  if (out === null) {
    throw new KstackError('KSTACK_NO_JAVA', `Apache Kafka ${kafka.version} needs Java ${need} or newer, and there is no Java (${env.JAVA_HOME ? `JAVA_HOME=${env.JAVA_HOME} has no bin/java` : '`java` is not on PATH'})`, {
      exitCode: 2,
      fix: javaInstallHint(platform, need),
    });
  }
  const parsed = parseJavaVersion(out);
  if (!parsed) throw new KstackError('KSTACK_NO_JAVA', `\`${java} -version\` did not print a Java version: ${out.trim().split('\n')[0] ?? ''}`, { exitCode: 2, fix: javaInstallHint(platform, need) });
  if (parsed.major < need) {
    throw new KstackError('KSTACK_OLD_JAVA', `Apache Kafka ${kafka.version} brokers need Java ${need} or newer; ${java} is Java ${parsed.version}`, {
      exitCode: 2,
      fix: javaInstallHint(platform, need),
    });
  }
  return { java, ...parsed };
}
