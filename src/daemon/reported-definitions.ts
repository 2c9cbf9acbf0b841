// The definitions of this server that /metrics and /status report on, and their latest run statistics.
// Read from the catalog at start, so that the first scrape (before the first pass converges) already has a
// state series for each definition, never run included; replaced from the definition cache after every
// pass. The statistics are one grouped query (run-stats.ts); while the catalog is unreachable, or when the
// query fails, the last ones read are shown.
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { NodeSpec } from '../core/model.js';
import { definitionsOfServer, isScheduled, type ServerDefinition } from '../core/schedule/server-entries.js';
import type { DaemonConnection } from './daemon-connection.js';
import type { MetricDefinition } from './metrics.js';
import { readRunStats, type DefinitionRunStats } from '../adapters/catalog/run-stats.js';

export class ReportedDefinitions {
  list: MetricDefinition[] = [];
  /** The nodes of these definitions that declare a pgBackRest stanza (their checks show in /metrics and /status). */
  stanzaNodes: Array<{ name: string; spec: NodeSpec }> = [];
  private stats = new Map<string, DefinitionRunStats>();

  constructor(private readonly server: string, private readonly connection: DaemonConnection, private readonly logger: Logger) {}

  /** Starts with the definitions the catalog holds for this server now; none (logged) when it cannot be read. */
  static async read(catalog: Catalog, server: string, connection: DaemonConnection, logger: Logger): Promise<ReportedDefinitions> {
    const reported = new ReportedDefinitions(server, connection, logger);
    await reported.readFrom(catalog);
    return reported;
  }

  private async readFrom(catalog: Catalog): Promise<void> {
    this.list = await catalog.readSnapshot()
      .then((snapshot) => asMetricDefinitions(definitionsOfServer(snapshot.objects, this.server)))
      .catch((err: Error) => {
        this.logger.warn({ err: err.message }, 'could not read the definitions of this server before the first pass');
        return [];
      });
  }

  /** After a pass: this server's definitions from its definition cache. */
  replace(definitions: readonly ServerDefinition[]): void {
    this.list = asMetricDefinitions(definitions);
    this.stanzaNodes = [...new Map(definitions.filter((d) => d.node.pgbackrest).map((d) => [d.node.name, { name: d.node.name, spec: d.node }])).values()];
  }

  /** The statistics read last, without asking the catalog. */
  get lastStats(): Map<string, DefinitionRunStats> {
    return this.stats;
  }

  /** The statistics now, or the last ones read when the catalog cannot tell. */
  async readStats(): Promise<Map<string, DefinitionRunStats>> {
    if (this.connection.connected) {
      this.stats = await readRunStats((sql, params) => this.connection.query(sql, params), { server: this.server }).catch((err: Error) => {
        this.logger.warn({ err: err.message }, 'could not read run statistics');
        return this.stats;
      });
    }
    return this.stats;
  }
}

function asMetricDefinitions(definitions: readonly ServerDefinition[]): MetricDefinition[] {
  return definitions.map((d) => ({ name: d.name, node: d.node.name, schedule: d.backup.resolvedSchedule, timezone: d.backup.timezone, scheduled: isScheduled(d) }));
}
