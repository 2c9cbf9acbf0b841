// The order the catalog reads its objects in (adapters/catalog/catalog.ts: kind, then name in the "C"
// collation, which is compareText's for the names the schema allows: lowercase ASCII, digits, hyphens).
// Objects a caller keeps instead of reading them again (the daemon's, after its own apply) must come in the
// same order, or what is made of them (schedules, the definition cache) would differ from a fresh read.
import { KINDS, type Kind } from '../model.js';
import { compareText } from '../config/findings.js';

const kindRank = new Map<Kind, number>(KINDS.map((k, i) => [k, i]));

function compareInCatalog(a: { kind: Kind; name: string }, b: { kind: Kind; name: string }): number {
  return kindRank.get(a.kind)! - kindRank.get(b.kind)! || compareText(a.name, b.name);
}

/** `objects` in catalog order: the same array when it already is (a plan that creates nothing keeps it). */
export function inCatalogOrder<T extends { kind: Kind; name: string }>(objects: T[]): T[] {
  for (let i = 1; i < objects.length; i++) {
    if (compareInCatalog(objects[i - 1]!, objects[i]!) > 0) return [...objects].sort(compareInCatalog);
  }
  return objects;
}
