// Asking nodes which databases they hold (`status`, `plan --check-nodes`): every node at once, each with a
// timeout, so that one unreachable node neither holds up the answer nor hides the others'.
import type { NodeSpec } from '../../core/model.js';
import type { NodeDatabases } from '../../core/rpo/uncovered-databases.js';
import { listDatabases } from './capture-globals.js';

/** How long a node may take to list its databases before it is called unreachable. */
export const NODE_TIMEOUT_MS = 5_000;

export async function askNodes(nodes: ReadonlyArray<{ name: string; spec: NodeSpec }>, timeoutMs = NODE_TIMEOUT_MS): Promise<NodeDatabases> {
  const answers = await Promise.all(nodes.map(async (n) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      return [n.name, { databases: await Promise.race([listDatabases(n.spec), timeout]) }] as const;
    } catch (err) {
      return [n.name, { error: (err as Error).message.split('\n')[0] ?? 'unreachable' }] as const;
    } finally {
      clearTimeout(timer);
    }
  }));
  return Object.fromEntries(answers);
}
