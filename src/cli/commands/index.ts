/** The list of commands, in the order `kstack --help` shows them. */
import type { Command } from 'commander';
import { registerPending } from './not-yet.js';
import { registerProduce } from './produce.js';
import { registerConsume } from './consume.js';
import { registerTopics } from './topics.js';
import { registerInit } from './init.js';
import { registerDoctor } from './doctor.js';

export function registerCommands(program: Command): void {
  registerInit(program);
  registerPending(program, { name: 'up', summary: 'Start a stack: brokers, ZooKeeper or KRaft controllers, a demo producer and consumer', arrivesWith: 'the `kstack up` work' });
  registerPending(program, { name: 'down', summary: 'Stop a running stack', arrivesWith: 'the `kstack up` work' });
  registerPending(program, { name: 'status', summary: 'Show processes, brokers and the route table of a stack', arrivesWith: 'the `kstack up` work' });
  registerPending(program, { name: 'logs', summary: 'Show or follow the logs of a stack component', arrivesWith: 'the `kstack up` work' });
  registerPending(program, { name: 'broker', summary: 'Run one native Kafka broker in the foreground from a server.properties', arrivesWith: 'the native broker work' });
  registerProduce(program);
  registerConsume(program);
  registerTopics(program);
  registerPending(program, { name: 'groups', summary: 'List, describe and reset consumer groups', arrivesWith: 'the consumer groups work' });
  registerDoctor(program);
  registerPending(program, { name: 'compose', summary: 'Write a docker-compose.yml for Apache Kafka', arrivesWith: 'the docker engine work' });
}
