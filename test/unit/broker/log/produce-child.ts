/**
 * Child process for the kill -9 test: appends batches to <logDir> as fast as it can and prints
 * "<lastOffset> <value of the last record>" after each append returns (= acknowledged). Runs until killed
 * (gives up after 60 s so a broken test never leaves it behind).
 */
import { LogManager } from '../../../../src/broker/log/log-manager.js';
import { DEFAULT_LOG_CONFIG } from '../../../../src/broker/log/partition-log.js';
import { valuesBatch } from './batches.js';

const [logDir] = process.argv.slice(2);
const manager = LogManager.open({
  logDirs: [logDir],
  nodeId: 1,
  clusterId: 'MkU3OEVBNTcwNTJENDM2Qk',
  defaults: { ...DEFAULT_LOG_CONFIG, segmentBytes: 64 * 1024, indexIntervalBytes: 1024 },
});
manager.startBackgroundTasks();
const log = manager.getOrCreate('stream', 0, 'AAECAwQFBgcICQoLDA0ODw');
const started = Date.now();
let i = 0;
function burst(): void {
  for (let k = 0; k < 50; k++, i++) {
    const r = log.append(valuesBatch(`m${i}`, 1 + (i % 5), Date.now(), 60), 0, Date.now());
    process.stdout.write(`${r.lastOffset} m${i}-${i % 5}\n`);
  }
  if (Date.now() - started < 60_000) setImmediate(burst);
  else process.exit(3);
}
burst();
