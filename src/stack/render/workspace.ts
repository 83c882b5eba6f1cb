/**
 * The whole workspace as data: plan + template texts → files (paths relative to the workspace) and empty
 * directories to create. Pure; apply.ts writes it.
 *
 *   stack.json
 *   broker-<id>/server.properties, log4j.properties, data/meta.properties, logs/
 *   controller-<id>/…                  (kraft with --controllers; same files)
 *   zk-<n>/zoo.cfg, data/myid, logs/   (zk mode)
 */
import { relative } from 'node:path';
import type { StackPlan } from '../plan.js';
import { renderLog4jProperties } from './log4j.js';
import { renderMetaProperties } from './meta-properties.js';
import { renderServerProperties } from './server-properties.js';
import { renderStackJson, STACK_FILE } from './stack-json.js';
import { renderMyid, renderZooCfg } from './zoo-cfg.js';

export interface Templates {
  serverProperties: string;
  log4jProperties: string;
  zooCfg: string;
}

export interface RenderedFile {
  /** Relative to the workspace, '/'-separated. */
  path: string;
  content: string;
}

export interface RenderedWorkspace {
  files: RenderedFile[];
  /** Directories to create even when empty (logs/). */
  dirs: string[];
}

export function renderWorkspace(plan: StackPlan, templates: Templates): RenderedWorkspace {
  const rel = (abs: string) => relative(plan.workspace, abs).split('\\').join('/');
  const files: RenderedFile[] = [];
  const dirs: string[] = [];
  for (const node of plan.nodes) {
    files.push({ path: `${node.name}/server.properties`, content: renderServerProperties(plan, node, templates.serverProperties) });
    files.push({ path: `${node.name}/log4j.properties`, content: renderLog4jProperties(node, templates.log4jProperties) });
    files.push({ path: `${rel(node.dataDir)}/meta.properties`, content: renderMetaProperties(plan, node) });
    dirs.push(rel(node.logsDir));
  }
  for (const zk of plan.zookeepers) {
    files.push({ path: `${zk.name}/zoo.cfg`, content: renderZooCfg(plan, zk, templates.zooCfg) });
    files.push({ path: `${rel(zk.dataDir)}/myid`, content: renderMyid(zk) });
    dirs.push(rel(zk.logsDir));
  }
  // Last: its presence marks a complete workspace.
  files.push({ path: STACK_FILE, content: renderStackJson(plan) });
  return { files, dirs };
}
