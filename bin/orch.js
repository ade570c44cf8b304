#!/usr/bin/env node
// The single orch entry point; subcommands live in src/cli.
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2)));
