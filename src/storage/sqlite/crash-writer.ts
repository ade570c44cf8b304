/**
 * Child process for the crash test: writes from several concurrent writers and appends
 * "key revision" to the ack file only after a write resolved, until it is killed.
 * Usage: crash-writer <db file> <ack file>
 */
import fs from 'node:fs';
import { SqliteStore } from './sqlite-store.js';

const [dbFile, ackFile] = process.argv.slice(2);
const store = await SqliteStore.open(dbFile);
const ack = fs.openSync(ackFile, 'a');
const value = new Uint8Array(1024).fill(0x61);

async function writer(id: number): Promise<never> {
  for (let n = 0; ; n++) {
    const key = `/registry/crash/w${id}-${n}`;
    const kv = await store.create(key, value);
    // A plain write(2): the ack is in the page cache before the next write starts, and
    // the page cache survives the SIGKILL this process is waiting for.
    fs.writeSync(ack, `${key} ${kv.modRevision}\n`);
  }
}

await Promise.all(Array.from({ length: 20 }, (_, i) => writer(i)));
