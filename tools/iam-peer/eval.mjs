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
import { toSimulation } from './sim.mjs';

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
