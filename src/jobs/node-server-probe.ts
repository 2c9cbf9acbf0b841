// The version of a node's server, which decides the pg_dump a run uses, asked once per run.
//
// Every database of a node answers the same, so one question serves the whole run, and it can be asked
// before the catalog is open: run-definition starts it first, which hides this connection (a few ms of every
// scheduled run) behind the catalog's. A failed question is not remembered: connecting to one database can
// fail for reasons of its own (dropped, no CONNECT privilege, pg_hba), which must be reported against that
// database's run and not decide the next database's.
import pg from 'pg';
import type { RunnableDefinition } from '../engine/definition-cache.js';
import { nodeClientConfig } from '../adapters/postgres/node-connection.js';
import { serverMajor } from '../adapters/postgres/tools.js';

export interface ServerVersion {
  major: number;
  version: string;
}

export class NodeServerProbe {
  private answer: Promise<ServerVersion> | null = null;

  constructor(private readonly definition: RunnableDefinition) {}

  /** Starts asking through the database the run connects to first; its outcome is picked up by version(). */
  start(database?: string): this {
    this.answer ??= this.ask(firstDatabaseOf(this.definition, database));
    this.answer.catch(() => undefined); // a failure is reported by version(), for the database it concerns
    return this;
  }

  /** The server's version, connecting through `database` unless an earlier question already succeeded. */
  async version(database: string): Promise<ServerVersion> {
    if (this.answer) {
      try {
        return await this.answer;
      } catch {
        // asked through another database, or the node was briefly unreachable: ask again through this one
      }
    }
    this.answer = this.ask(database);
    return this.answer;
  }

  private async ask(database: string): Promise<ServerVersion> {
    const client = new pg.Client(nodeClientConfig(this.definition.node, database));
    await client.connect();
    try {
      return await serverMajor(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** The database a run of `definition` connects to first: where its first dump (or its database list) comes from. */
function firstDatabaseOf(definition: RunnableDefinition, database?: string): string {
  const { backup, node } = definition;
  if (backup.type === 'cluster') return node.maintenanceDatabase;
  if (database) return database;
  return backup.databases === 'all' ? node.maintenanceDatabase : backup.databases[0] ?? node.maintenanceDatabase;
}
