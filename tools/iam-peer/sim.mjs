// Case file (shared/spec/cli.md shape) → the peer's Simulation input.
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

export function toSimulation(c) {
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

