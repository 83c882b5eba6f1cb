/** The list of commands, in the order `kstack --help` shows them. */
import type { Command } from 'commander';
import { registerPending } from './not-yet.js';
import { registerProduce } from './produce.js';
import { registerUp } from './up.js';
import { registerDown, registerLogs, registerStatus } from './down.js';
import { registerConsume } from './consume.js';
import { registerTopics } from './topics.js';
import { registerBroker } from './broker.js';
import { registerInit } from './init.js';
import { registerDoctor } from './doctor.js';

export function registerCommands(program: Command): void {
  registerInit(program);
  registerUp(program);
  registerDown(program);
  registerStatus(program);
  registerLogs(program);
  registerBroker(program);
  registerProduce(program);
  registerConsume(program);
  registerTopics(program);
  registerPending(program, { name: 'groups', summary: 'List, describe and reset consumer groups', arrivesWith: 'the consumer groups work' });
  registerDoctor(program);
  registerPending(program, { name: 'compose', summary: 'Write a docker-compose.yml for Apache Kafka', arrivesWith: 'the docker engine work' });
}
