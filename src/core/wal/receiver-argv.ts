// pg_receivewal's argv for a node's archive (docs/operations.md, "The WAL archive"). Pure.
//
// --synchronous: pg_receivewal flushes the .partial segment after each write and reports that flush position
//   to the node at once, so the archive is as current as the network allows (the RPO is the flush, not a
//   completed segment) and lag is measured from fresh positions; without it progress is reported only every
//   10 s. It does not make the node wait: that would take synchronous_standby_names, which pgbackops never sets.
// --no-loop: on a lost connection pg_receivewal exits instead of retrying on its own every 5 s silently; the
//   supervisor restarts it with backoff and reports the failure.
// --no-password: never prompt (there is no terminal); passwords come from the passfile.
import { PgbackopsError } from '../errors.js';
import type { WalArchiveCompression } from '../model.js';

export interface ReceiverArgvInput {
  directory: string;
  slot: string;
  compression: WalArchiveCompression;
  /** pg_receivewal's major version. */
  major: number;
}

export class ReceiverCompressionError extends PgbackopsError {
  readonly code = 'E_WAL_COMPRESSION';
}

export function receiverArgv(input: ReceiverArgvInput): string[] {
  const argv = [`--directory=${input.directory}`, `--slot=${input.slot}`, '--synchronous', '--no-loop', '--no-password'];
  if (input.compression === 'none') return argv;
  if (input.major >= 15) return [...argv, `--compress=${input.compression}`];
  if (input.compression === 'gzip') return [...argv, '--compress=6'];
  throw new ReceiverCompressionError(`pg_receivewal ${input.major} cannot compress with ${input.compression} (PostgreSQL 15 and later can); install pg_receivewal 15+ or use gzip`);
}

/** The one-shot call that creates the slot when it does not exist yet, from the node's current position. */
export function createSlotArgv(slot: string): string[] {
  return ['--create-slot', '--if-not-exists', `--slot=${slot}`, '--no-password'];
}
