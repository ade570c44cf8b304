/** `orch` entry point: dispatches subcommands. */
export async function main(argv: string[]): Promise<void> {
  const [cmd] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write('usage: orch <command> [flags]\n\ncommands:\n  server   start a one-node cluster\n');
    return;
  }
  process.stderr.write(`orch: unknown command ${JSON.stringify(cmd)}; run "orch --help"\n`);
  process.exitCode = 2;
}
