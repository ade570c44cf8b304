/**
 * `orch images`: images for nodes without a registry.
 *
 *   orch images import FILE.tar [FILE.tar ...] [--data-dir DIR]
 *       imports OCI / docker-save archives into the running agent's containerd (k8s.io
 *       namespace, where pods find them);
 *   orch images build-test-images --out DIR
 *       writes the pause and busybox images orch builds from busybox-static.
 */
import net from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeBuiltinImages } from '../agent/images/busybox-images.js';
import { importImage, ImageImportError } from '../agent/images/import.js';
import { runtimePaths } from '../agent/runtime/paths.js';
import { renderHelp, UsageError, type FlagSpec } from './flags.js';

/** Where the agent keeps its state unless told otherwise (its containerd socket is under it). */
export const defaultAgentDataDir = () => (process.getuid?.() === 0 ? '/var/lib/orch/agent' : join(homedir(), '.orch', 'agent'));

export const IMAGES_FLAGS: FlagSpec[] = [
  { name: 'data-dir', short: 'd', type: 'string', value: 'DIR', help: "The agent's data dir (import talks to the containerd socket under it)", default: defaultAgentDataDir() },
  { name: 'out', short: 'o', type: 'string', value: 'DIR', help: 'Where build-test-images writes the archives' },
  { name: 'help', short: 'h', type: 'boolean', help: 'Show this help' },
];

export const IMAGES_HELP = renderHelp(
  'orch images import FILE.tar [FILE.tar ...] [--data-dir DIR]\n  orch images build-test-images --out DIR',
  `Manage images on a node without a registry.

Commands:
  import             Import OCI image-layout or docker-save archives into the running agent's containerd
  build-test-images  Write orch.local/pause:1 and orch.local/busybox:1 (built from busybox-static) as archives`,
  IMAGES_FLAGS,
);

export type ImagesCommand = { action: 'import'; files: string[]; dataDir: string } | { action: 'build-test-images'; outDir: string } | 'help';

/** Failures of a well-formed command (containerd not running, a bad archive): one clean line. */
export class ImagesCommandError extends UsageError {}

export function parseImagesArgs(argv: string[]): ImagesCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(IMAGES_FLAGS.map((f) => [f.name, { type: f.type, ...(f.short ? { short: f.short } : {}) }])),
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^Unknown option '(.*?)'.*$/s, 'unknown flag: $1'));
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const [action, ...rest] = parsed.positionals;
  if (v.help || action === undefined || action === 'help') return 'help';
  switch (action) {
    case 'import': {
      if (rest.length === 0) throw new UsageError('images import: give at least one FILE.tar');
      if (v.out !== undefined) throw new UsageError('images import: --out belongs to build-test-images');
      return { action, files: rest.map((f) => resolve(f)), dataDir: resolve(String(v['data-dir'] ?? defaultAgentDataDir())) };
    }
    case 'build-test-images': {
      if (rest.length) throw new UsageError(`images build-test-images: unexpected argument ${JSON.stringify(rest[0])}`);
      if (!v.out) throw new UsageError('images build-test-images: --out DIR is required');
      return { action, outDir: resolve(String(v.out)) };
    }
    default:
      throw new UsageError(`images: unknown command ${JSON.stringify(action)} (want import or build-test-images)`);
  }
}

function socketAnswers(socket: string): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(socket);
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

export async function runImagesCommand(cmd: Exclude<ImagesCommand, 'help'>, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (cmd.action === 'build-test-images') {
    for (const w of await writeBuiltinImages(cmd.outDir)) out.write(`${w.ref}\t${w.file}\t${w.bytes} bytes\n`);
    return;
  }
  const socket = runtimePaths(cmd.dataDir).socket;
  if (!(await socketAnswers(socket))) {
    throw new ImagesCommandError(`the agent's containerd is not running (nothing answers on ${socket}): start orch server or orch agent first, or pass --data-dir of the running agent`);
  }
  for (const file of cmd.files) {
    try {
      const r = await importImage(file, { socket });
      out.write(`imported ${r.images.join(', ') || '(no named images)'} from ${r.file} in ${r.ms} ms\n`);
    } catch (err) {
      if (err instanceof ImageImportError) throw new ImagesCommandError(err.message);
      throw err;
    }
  }
}
