// A worker thread of engine/parallel-file-checks.ts: checks the configuration files it is given on their own
// (`checkConfigFiles`: parse, schema, per-document rules) and answers with their packed checks, one message
// per batch. It holds nothing between batches and exits when its parent closes it.
import { parentPort } from 'node:worker_threads';
import { packBatch } from '../core/config/file-check-transfer.js';
import { checkConfigFiles } from '../core/config/validate.js';
import type { FileCheckBatch, FileCheckAnswer } from './parallel-file-checks.js';

if (!parentPort) throw new Error('file-check-worker runs as a worker thread of parallel-file-checks.ts');
const port = parentPort;
port.on('message', (batch: FileCheckBatch) => {
  const answer: FileCheckAnswer = { batch: batch.batch, checks: packBatch(checkConfigFiles(batch.files)) };
  port.postMessage(answer);
});
