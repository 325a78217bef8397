import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench`: runs every `*.bench.ts` in this folder, one after another (they measure the
 * machine; running them together would measure each other). `npm run bench -- upload` runs
 * those whose name contains "upload"; arguments after it go to each bench (`-- upload --quick`).
 */
const dir = path.dirname(fileURLToPath(import.meta.url));
const [filter, ...options] = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts') && (!filter || name.includes(filter)))
  .sort();
let failed = 0;
for (const name of benches) {
  console.log(`\n=== ${name}`);
  const result = spawnSync(process.execPath, [path.join(dir, name), ...options], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`${name} failed (exit ${result.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
