// One `plan` process's RPO work, cold, for bench/rpo.js: run as its own Node process per measurement (a `plan`
// process computes each part once, with code V8 has not optimised yet; repeating it in one process would
// measure warm code). Prints the CPU ms of each step as JSON on stdout, in the order a `plan` process runs
// them: validate (of the fleet without any `rpo:`: the base), rpoBreaches (what validate adds when an rpo is
// set), the brake's count of uncovered databases and the per-database effects, each as makePlan runs them
// (on the touched nodes' objects only, the count only when an action can lose a unit: mayLoseProtection),
// then makePlan without a clock (the base; its brake, run again warm, is subtracted by the caller).
//   node bench/rpo-plan-process.js <dist dir> <fleet dir> <no-op|changed> <year>
const [distDir, fleetDir, mode, year] = process.argv.slice(2);
const load = (path) => import(`${distDir}/${path}`);
const { readConfigDir } = await load('adapters/config-dir.js');
const { validateConfig } = await load('core/config/validate.js');
const { rpoBreaches } = await load('core/rpo/breaches.js');
const { makePlan } = await load('core/plan/make-plan.js');
const { projectObjects } = await load('core/plan/project.js');
const { rpoEffects, touchedNodes } = await load('core/rpo/plan-effects.js');
const { protectionLost } = await load('core/rpo/uncovered-databases.js');
const { DEFAULT_PLAN_OPTIONS } = await load('core/plan/types.js');
const { objectsOfNodes } = await load('core/plan/node-scope.js');
// A build from before mayLoseProtection always counted.
const mayLoseProtection = (await load('core/rpo/uncovered-databases.js')).mayLoseProtection ?? (() => true);

function timed(fn) {
  const started = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(started);
  return { ms: (used.user + used.system) / 1000, value };
}

const at = Date.UTC(Number(year), 5, 1);
// Reading the files is the same with or without RPO: not measured.
const { files } = await readConfigDir(fleetDir);
const validate = timed(() => validateConfig(files, { now: at }));
const objects = validate.value.config.objects;
// The same fleet with every database held to `rpo: 26h` (the server's default, which the definitions inherit).
const desiredObjects = objects.map((o) => (o.kind === 'BackupServer' ? { ...o, spec: { ...o.spec, rpo: '26h' } } : o));
// The catalog holds the fleet as written; with `changed`, every 10th definition's schedule changes.
const actual = { catalogVersion: 1, objects: desiredObjects.map(({ kind, name, spec, hash }) => ({ kind, name, spec, hash })), backupCounts: {} };
let n = 0;
const desired = {
  revision: mode,
  objects: mode === 'changed'
    ? desiredObjects.map((o) => (o.kind === 'Backup' && n++ % 10 === 0 ? { ...o, spec: { ...o.spec, schedule: '0 4 * * 1-5', resolvedSchedule: '0 4 * * 1-5' }, hash: `${o.hash}-changed` } : o))
    : desiredObjects,
};
// validate of the desired configuration measures every database's worst case: the RPO it adds.
const breaches = timed(() => rpoBreaches(desired.objects, at));
// The plan's actions and projection, made here without planning code (so that the plan below is cold too):
// an update of each changed definition, as planCatalog makes it.
const byName = new Map(actual.objects.map((o) => [`${o.kind}/${o.name}`, o]));
const actions = desired.objects.filter((o) => byName.get(`${o.kind}/${o.name}`).hash !== o.hash)
  .map((o) => ({ kind: o.kind, name: o.name, op: 'update', before: byName.get(`${o.kind}/${o.name}`).spec, after: o.spec, hash: o.hash, blocked: false }));
const after = projectObjects(actual.objects, actions);
// As makePlan: the touched nodes' objects before and after, shared by the brake and the effects.
const brakeOf = (projected) => {
  const touched = touchedNodes(actions);
  const scope = { before: objectsOfNodes(actual.objects, touched), after: objectsOfNodes(projected, touched), touched };
  if (mayLoseProtection(actions)) protectionLost(scope.before, scope.after, touched);
  return scope;
};
const brake = timed(() => brakeOf(after));
const { before: touchedBefore, after: touchedAfter } = brake.value;
const effects = timed(() => rpoEffects(touchedBefore, touchedAfter, actions, at));
const plan = timed(() => makePlan(desired, actual, { server: null, note: 'catalog only' }, DEFAULT_PLAN_OPTIONS));
if (plan.value.objectActions.length !== actions.length) throw new Error(`the plan has ${plan.value.objectActions.length} actions, expected ${actions.length}`);
// makePlan counted the brake's uncovered databases too (always made): that part is RPO's, subtracted warm.
const projectedAgain = projectObjects(actual.objects, actions);
const brakeAgain = timed(() => brakeOf(projectedAgain));
process.stdout.write(`${JSON.stringify({
  validateMs: validate.ms, breachesMs: breaches.ms, brakeMs: brake.ms, effectsMs: effects.ms, planMs: plan.ms, brakeWarmMs: brakeAgain.ms,
  breaches: breaches.value.length, effects: effects.value.length, actions: actions.length,
})}\n`);
