// The version of a node's server, which decides the client tools a run uses (pg_dump), asked once per run.
//
// Every database of a node answers the same, so one question serves the whole run, and it can be asked
// before the catalog is open: run-definition starts it first, which hides this connection (a few ms of every
// scheduled run) behind the catalog's. A failed question is not remembered: connecting to one database can
// fail for reasons of its own (dropped, no CONNECT privilege, pg_hba), which must be reported against that
// database's run and not decide the next database's.
import pg from 'pg';
import type { NodeSpec } from '../core/model.js';
import { nodeClientConfig } from '../adapters/postgres/node-connection.js';
import { serverMajor } from '../adapters/postgres/tools.js';
import { endSession } from '../adapters/postgres/end-session.js';

export interface ServerVersion {
  major: number;
  version: string;
}

export class NodeServerProbe {
  private answer: Promise<ServerVersion> | null = null;

  constructor(private readonly node: NodeSpec) {}

  /** Starts asking through the database the run connects to first (its method knows which); picked up by version(). */
  start(database: string): this {
    this.answer ??= this.ask(database);
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
    const client = new pg.Client(nodeClientConfig(this.node, database));
    await client.connect();
    try {
      return await serverMajor(client);
    } finally {
      await endSession(client);
    }
  }
}
