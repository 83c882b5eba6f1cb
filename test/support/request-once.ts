/** One Kafka request to `host:port` over a fresh connection, closed afterwards (tests poke single brokers). */
import { WireConnection } from '../../src/client/wire.js';

export async function requestOnce<T>(bootstrap: string, apiKey: number, version: number, body: unknown, timeoutMs = 15_000): Promise<T> {
  const [host, port] = bootstrap.split(':');
  const conn = await WireConnection.connect({ host, port: Number(port), connectTimeoutMs: 5000, requestTimeoutMs: timeoutMs });
  try {
    return await conn.request<T>(apiKey, version, body, { timeoutMs });
  } finally {
    conn.close();
  }
}
