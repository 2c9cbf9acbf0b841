// /status is written a slice at a time (so the event loop serves /healthz in between): the pieces must still
// make one valid JSON document holding exactly what the handler returned, also for a client that reads slowly.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/adapters/logger.js';
import { jsonListSlices, startHttpServer, type HttpHandlers, type JsonWithList } from '../../../src/daemon/http-server.js';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function serve(status: JsonWithList | ((query: URLSearchParams) => JsonWithList | string)): Promise<string> {
  const handlers: HttpHandlers = {
    ready: async () => ({ ok: true, why: '' }),
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    status: async (query) => (typeof status === 'function' ? status(query) : status),
    webhookSecret: () => null,
    onWebhook: () => undefined,
  };
  const { server } = await startHttpServer('127.0.0.1:0', handlers, silentLogger);
  close = () => new Promise((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** GET with a reader that pauses after every chunk, so the server's writes meet backpressure. */
function slowGet(address: string, path: string): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        res.pause();
        setTimeout(() => res.resume(), 1);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /status, written in slices', () => {
  it('is one JSON document with the fields and every item, in order', async () => {
    const list = Array.from({ length: 2345 }, (_, i) => ({ name: `def-${i}`, state: i % 3 ? 'Healthy' : 'Late', note: 'x'.repeat(i % 200), quote: '"\\\n' }));
    const fields = { server: 'backup01', summary: { Healthy: 1563, Late: 782 }, nested: { a: [1, 2] } };
    const address = await serve({ fields, listKey: 'definitions', listSlices: jsonListSlices(list) });
    const body = await slowGet(address, '/status');
    expect(JSON.parse(body)).toEqual({ ...fields, definitions: list });
  });

  it('passes the query to the handler, and answers 400 with the reason it gives', async () => {
    const address = await serve((query) => (query.get('limit') === '0' ? 'the parameter limit must be a positive integer'
      : { fields: { asked: Object.fromEntries(query) }, listKey: 'definitions', listSlices: [] }));
    expect(JSON.parse(await slowGet(address, '/status?limit=5&after=failing%3Adb-1&state=failing'))).toEqual({
      asked: { limit: '5', after: 'failing:db-1', state: 'failing' }, definitions: [],
    });
    const res = await fetch(`http://${address}/status?limit=0`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('the parameter limit must be a positive integer\n');
  });

  it('is valid with no items and with no fields', async () => {
    expect(JSON.parse(await slowGet(await serve({ fields: { a: 1 }, listKey: 'definitions', listSlices: jsonListSlices([]) }), '/status'))).toEqual({ a: 1, definitions: [] });
    await close?.();
    expect(JSON.parse(await slowGet(await serve({ fields: {}, listKey: 'definitions', listSlices: jsonListSlices([{ n: 1 }]) }), '/status'))).toEqual({ definitions: [{ n: 1 }] });
  });
});
