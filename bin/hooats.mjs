#!/usr/bin/env node
// The `hooats` command (see src/loadtest/cli.ts): registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/loadtest/cli.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// everything is closed by now; should a stray handle remain, do not hang a script or CI on it
setTimeout(() => process.exit(code), 2000).unref();
