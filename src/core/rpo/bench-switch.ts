// A switch for bench/rpo.js only, never turned off by the product: with it off, a `plan` process makes no RPO
// measure at all (no worst case in validate, no per-database effects, no count of lost units for the brake),
// so that the benchmark can time the same whole process with and without them (issue 14: "RPO computation
// adds <= 10 % to a 10,000-definition plan"). The plan command turns it off when the environment holds
// PGBACKOPS_BENCH_WITHOUT_RPO=1 (bench/README.md); it is not a user-facing option and is not documented as one.
let measured = true;

export function rpoMeasured(): boolean {
  return measured;
}

export function measureRpo(on: boolean): void {
  measured = on;
}
