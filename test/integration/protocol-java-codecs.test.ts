/**
 * The generated codecs against Apache Kafka's own generated message classes (kafka-clients 3.9.x, the reference
 * implementation of the same schemas): random instances of every message at every version are encoded by us;
 * a small Java program reads each with `org.apache.kafka.common.message.<Name>Data`, re-writes it, and the bytes
 * must be identical — so Java accepts our layout and produces the same one from the same values.
 *
 * Needs a JDK and kafka-clients 3.9.x from `bash scripts/fetch-apache-kafka.sh` (.peers/java-client-3.9.*);
 * skips with that hint otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MESSAGE_SCHEMAS } from '../../src/protocol/generated/schema.js';
import { Writer } from '../../src/protocol/writer.js';
import { fileOf, messageArb, versionsOf } from '../unit/protocol/message-arbitraries.js';
import { PEERS_DIR, FETCH_HINT } from '../support/apache-kafka.js';

const INSTANCES = 8; // per (message, version)
const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'protocol', 'generated');

function findClientsJar(): { libs: string; version: string } | null {
  if (!existsSync(PEERS_DIR)) return null;
  for (const d of readdirSync(PEERS_DIR).filter((x) => x.startsWith('java-client-3.9.')).sort().reverse()) {
    const libs = join(PEERS_DIR, d, 'libs');
    const version = d.slice('java-client-'.length);
    if (existsSync(join(libs, `kafka-clients-${version}.jar`))) return { libs, version };
  }
  return null;
}

function javaTool(name: 'java' | 'javac'): string | null {
  const home = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', name) : null;
  if (home && existsSync(home)) return home;
  try {
    execFileSync(name, ['-version'], { stdio: 'ignore' });
    return name;
  } catch {
    return null;
  }
}

const clients = findClientsJar();
const java = javaTool('java');
const javac = javaTool('javac');
const skip = !clients ? `kafka-clients 3.9.x not fetched; run \`${FETCH_HINT}\`` : !java || !javac ? 'no JDK (java and javac) found' : null;
if (skip) console.warn(`[protocol-java-codecs] SKIPPED: ${skip}`);

const JAVA_SOURCE = `
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.BufferedInputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

public class CodecCheck {
  static String hex(ByteBuffer b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.limit(); i++) sb.append(String.format("%02x", b.get(i)));
    return sb.toString();
  }
  public static void main(String[] args) throws Exception {
    int ok = 0, bad = 0;
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(args[0])))) {
      while (in.available() > 0) {
        String name = in.readUTF();
        short version = in.readShort();
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        Class<?> cls;
        try { cls = Class.forName("org.apache.kafka.common.message." + name + "Data"); }
        catch (ClassNotFoundException e) { cls = Class.forName("org.apache.kafka.common.message." + name); }
        try {
          Message m = (Message) cls.getDeclaredConstructor().newInstance();
          ByteBuffer src = ByteBuffer.wrap(bytes);
          m.read(new ByteBufferAccessor(src), version);
          if (src.remaining() != 0) throw new IllegalStateException(src.remaining() + " bytes left after read");
          ObjectSerializationCache cache = new ObjectSerializationCache();
          ByteBuffer out = ByteBuffer.allocate(m.size(cache, version));
          m.write(new ByteBufferAccessor(out), cache, version);
          out.flip();
          if (!out.equals(ByteBuffer.wrap(bytes))) {
            bad++;
            if (bad <= 20) System.out.println("MISMATCH " + name + " v" + version + " ours=" + hex(ByteBuffer.wrap(bytes)) + " java=" + hex(out));
          } else ok++;
        } catch (Exception e) {
          bad++;
          if (bad <= 20) System.out.println("ERROR " + name + " v" + version + " " + e + " ours=" + hex(ByteBuffer.wrap(bytes)));
        }
      }
    }
    System.out.println("DONE ok=" + ok + " bad=" + bad);
  }
}
`;

const work = mkdtempSync(join(tmpdir(), 'kstack-java-codecs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(skip !== null)('Apache Kafka message classes read and re-write our encodings byte for byte', () => {
  it('every message at every version', async () => {
    const records: Buffer[] = [];
    let pairs = 0;
    for (const m of MESSAGE_SCHEMAS) {
      const mod = (await import(pathToFileURL(join(GENERATED, `${fileOf(m)}.ts`)).href)) as Record<string, unknown>;
      const write = mod[`write${m.name}`] as (w: Writer, v: number, x: unknown) => void;
      for (const v of versionsOf(m)) {
        for (const msg of fc.sample(messageArb(m, v), { numRuns: INSTANCES, seed: 2024 + v })) {
          const w = new Writer();
          write(w, v, msg);
          const body = w.finish();
          const name = Buffer.from(m.name, 'utf8');
          const head = Buffer.alloc(2 + name.length + 2 + 4);
          head.writeUInt16BE(name.length, 0);
          name.copy(head, 2);
          head.writeInt16BE(v, 2 + name.length);
          head.writeInt32BE(body.length, 4 + name.length);
          records.push(head, Buffer.from(body));
        }
        pairs++;
      }
    }
    const input = join(work, 'messages.bin');
    writeFileSync(input, Buffer.concat(records));
    writeFileSync(join(work, 'CodecCheck.java'), JAVA_SOURCE);
    const cp = `${clients!.libs}/*`;
    execFileSync(javac!, ['-cp', cp, '-d', work, join(work, 'CodecCheck.java')], { stdio: 'pipe' });
    const out = execFileSync(java!, ['-cp', `${work}:${cp}`, 'CodecCheck', input], { encoding: 'utf8', maxBuffer: 16 << 20 });
    console.log(`java cross-check (kafka-clients ${clients!.version}): ${pairs} (message, version) pairs × ${INSTANCES}: ${out.trim().split('\n').pop()}`);
    const problems = out.split('\n').filter((l) => l.startsWith('MISMATCH') || l.startsWith('ERROR'));
    expect(problems).toEqual([]);
    expect(out).toMatch(new RegExp(`DONE ok=${pairs * INSTANCES} bad=0`));
  }, 180_000);
});
