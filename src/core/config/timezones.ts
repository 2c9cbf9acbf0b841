// Time zones are IANA names as the runtime's ICU knows them (the same data croner uses to fire jobs).

const canonical = new Map<string, string | null>();

/** The canonical form of a time zone name (Etc/UTC -> UTC), or null if it is unknown. */
export function canonicalTimeZone(name: string): string | null {
  let known = canonical.get(name);
  if (known === undefined) {
    try {
      known = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      known = null;
    }
    canonical.set(name, known);
  }
  return known;
}

export function timeZoneProblem(name: string): string | null {
  if (canonicalTimeZone(name) !== null) return null;
  return `${JSON.stringify(name)} is not a known IANA time zone; use a name such as UTC, Europe/Paris or America/New_York`;
}
