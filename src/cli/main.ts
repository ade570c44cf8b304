/** `orch` entry point: dispatches subcommands, turns usage errors into messages and exit code 2. */
// Each subcommand's module is imported only when that command runs: `orch agent` on a node
// would otherwise load the whole API server, storage and controllers (~15 MB of RSS).
import { useLeanV8 } from '../machinery/lean-v8.js';
import { installMemoryReport } from './debug-memory.js';
import { UsageError } from './flags.js';

const help = (serverHelp: string) => `orch — a Kubernetes-compatible cluster in one small program

Usage:
  orch <command> [flags]

Commands:
  server     Start a server: API server and control plane (see "orch server --help")
  agent      Join nodes to a cluster (see "orch agent --help")
  dns        Serve cluster DNS from the API (see "orch dns --help")
  images     Import image tarballs into the node's containerd (see "orch images --help")
  version    Print the version
  help       Show this help

Server flags:
${serverHelp.split('Flags:\n')[1]}`;

export const VERSION = 'v1.32.0+orch.0.1.0';

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  installMemoryReport();
  try {
    switch (cmd) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(help((await import('./server-command.js')).SERVER_HELP));
        return;
      case 'version':
      case '--version':
        process.stdout.write(`orch version ${VERSION}\n`);
        return;
      case 'server': {
        const { parseServerConfig, runServer, SERVER_HELP } = await import('./server-command.js');
        const config = parseServerConfig(rest);
        if (config === 'help') {
          process.stdout.write(SERVER_HELP);
          return;
        }
        await runUntilSignal((signal) => runServer(config, signal));
        return;
      }
      case 'agent': {
        // A node agent keeps small (machinery/lean-v8.ts); set before its modules load, since
        // loading alone would grow the young generation.
        useLeanV8();
        const { parseAgentConfig, runAgent, AGENT_HELP } = await import('./agent-command.js');
        const config = await parseAgentConfig(rest);
        if (config === 'help') {
          process.stdout.write(AGENT_HELP);
          return;
        }
        await runUntilSignal((signal) => runAgent(config, signal));
        return;
      }
      case 'dns': {
        const { parseDnsConfig, runDns, DNS_HELP } = await import('./dns-command.js');
        const config = await parseDnsConfig(rest);
        if (config === 'help') {
          process.stdout.write(DNS_HELP);
          return;
        }
        await runUntilSignal((signal) => runDns(config, signal));
        return;
      }
      case 'images': {
        const { parseImagesArgs, runImagesCommand, IMAGES_HELP } = await import('./images-command.js');
        const cmd = parseImagesArgs(rest);
        if (cmd === 'help') {
          process.stdout.write(IMAGES_HELP);
          return;
        }
        await runImagesCommand(cmd);
        return;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}; run "orch --help"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`orch: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`orch: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  }
}

/** Runs a long-lived command until SIGINT or SIGTERM, which abort its signal. */
async function runUntilSignal(run: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await run(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
