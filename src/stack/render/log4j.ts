/** A node's log4j.properties, in Kafka's layout (server.log, controller.log, state-change.log, kafka-request.log). */
import type { KafkaNodePlan } from '../plan.js';
import { renderTemplate } from './template.js';

export function renderLog4jProperties(node: KafkaNodePlan, template: string): string {
  return renderTemplate('log4j.properties', template, { node_name: node.name, logs_dir: node.logsDir });
}
