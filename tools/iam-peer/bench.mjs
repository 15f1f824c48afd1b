// Times @cloud-copilot/iam-simulate (AGPL-3.0, used as a black box) on the same cases
// authdoctor's benchmark uses: JSON Lines case files on stdin, each simulated `rounds`
// times (argv[2], default 3); prints {"evaluations", "seconds", "per_second"}.
import { createInterface } from 'node:readline';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { toSimulation } from './sim.mjs';

const rounds = Number(process.argv[2] ?? 3);
const sims = [];
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim()) sims.push(toSimulation(JSON.parse(line)));
}
// Warm-up: the first call loads the service reference data.
for (const s of sims.slice(0, 50)) await runSimulation(s, {});
const start = process.hrtime.bigint();
let n = 0;
for (let r = 0; r < rounds; r++) {
  for (const s of sims) {
    await runSimulation(s, {});
    n++;
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ evaluations: n, seconds, per_second: n / seconds }) + '\n');
