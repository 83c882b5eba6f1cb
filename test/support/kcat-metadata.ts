/** `kcat -L -J` as data: what librdkafka sees of a cluster (brokers, controller, partitions with leader/ISR). */
import { execa } from 'execa';

export interface KcatMeta {
  controllerid: number;
  brokers: { id: number; name: string }[];
  topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
}

export async function kcatMeta(bootstrap: string, topic?: string): Promise<KcatMeta> {
  const { stdout } = await execa('kcat', ['-b', bootstrap, '-L', '-J', ...(topic ? ['-t', topic] : [])], { timeout: 30_000 });
  return JSON.parse(stdout) as KcatMeta;
}
