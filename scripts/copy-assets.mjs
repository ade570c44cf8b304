// Copies the non-TypeScript files the code reads at run time (.proto) next to the compiled
// code in dist/, which tsc does not do.
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';

async function* walk(dir) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

for await (const file of walk('src')) {
  if (file.endsWith('.proto')) await cp(file, join('dist', file));
}
