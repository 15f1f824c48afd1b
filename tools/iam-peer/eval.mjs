// Drives the independent IAM engine @cloud-copilot/iam-simulate (AGPL-3.0) as a black box.
//
// Input: JSON Lines on stdin, one authdoctor case file per line (the shape of
// shared/spec/cli.md `simulate --case`). Output: JSON Lines on stdout, one per input line,
// in the same order: {"name", "decision": "Allow"|"ExplicitDeny"|"ImplicitDeny"} or
// {"name", "error": "..."} when the peer rejects the input. `ignored` lists context keys
// the peer dropped because its service reference does not list them for the action.
//
// Only the package's public entry point `runSimulation` is used; nothing is copied from it.
import { createInterface } from 'node:readline';
import { runSimulation } from '@cloud-copilot/iam-simulate';

function named(p, fallback) {
  if (p && typeof p === 'object' && 'policy' in p && !('Statement' in p)) {
    return { name: String(p.name ?? fallback), policy: p.policy };
  }
  return { name: fallback, policy: p };
}

// A flat list is one level of the organisation; a list of lists is one entry per level.
function levels(list, prefix) {
  if (!Array.isArray(list)) return [];
  const nested = list.length > 0 && list.every(Array.isArray);
  const lvls = nested ? list : [list];
  return lvls.map((lvl, i) => ({
    orgIdentifier: `${prefix}-${i}`,
    policies: lvl.map((p, j) => named(p, `${prefix}-${i}-${j}`)),
  }));
}

function toSimulation(c) {
  const r = c.request ?? {};
  const account =
    r.resourceAccount ?? (String(r.resource ?? '').split(':')[4] || String(r.principal ?? '').split(':')[4]);
  const sim = {
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: account },
      contextVariables: r.context ?? {},
    },
    identityPolicies: (c.identityPolicies ?? []).map((p, i) => named(p, `identity-${i}`)),
    serviceControlPolicies: levels(c.scps, 'scp'),
    resourceControlPolicies: levels(c.rcps, 'rcp'),
  };
  if (c.resourcePolicy) sim.resourcePolicy = named(c.resourcePolicy, 'resource').policy;
  if (c.sessionPolicy) sim.sessionPolicy = named(c.sessionPolicy, 'session').policy;
  if (c.boundary) {
    const b = Array.isArray(c.boundary) ? c.boundary : [c.boundary];
    sim.permissionBoundaryPolicies = b.map((p, i) => named(p, `boundary-${i}`));
  }
  return sim;
}

const DECISION = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
const flush = () => {
  if (out.length) {
    process.stdout.write(out.join(''));
    out.length = 0;
  }
};
for await (const line of rl) {
  if (!line.trim()) continue;
  let name = null;
  try {
    const c = JSON.parse(line);
    name = c.name ?? null;
    const res = await runSimulation(toSimulation(c), {});
    if (res.resultType === 'error') {
      out.push(JSON.stringify({ name, error: res.errors?.message ?? 'error', details: res.errors }) + '\n');
    } else {
      const single = res.resultType === 'single' ? res.result : res.results?.[0];
      out.push(
        JSON.stringify({
          name,
          decision: DECISION[res.overallResult] ?? res.overallResult,
          resultType: res.resultType,
          ignored: single?.ignoredContextKeys ?? [],
        }) + '\n',
      );
    }
  } catch (e) {
    out.push(JSON.stringify({ name, error: String(e?.message ?? e) }) + '\n');
  }
  if (out.length >= 256) flush();
}
flush();
