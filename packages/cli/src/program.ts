import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { registerKeysCommands } from './commands/keys.ts';
import { registerServeCommand } from './commands/serve.ts';
import type { CliIo } from './io.ts';

/** The whole `assetd` command tree, writing only to `io` so it can run in-process. */
export function buildProgram(io: CliIo): Command {
  // Set before adding subcommands: commander copies these settings into each one it creates.
  const program = new Command('assetd')
    .description('Self-hostable asset upload and asset-library service')
    .version(packageJson.version)
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // Usage errors look like every other error of the CLI.
      outputError: (text, write) => write(text.replace(/^error: /, 'assetd: ')),
    })
    .exitOverride();
  registerServeCommand(program, io);
  registerKeysCommands(program, io);
  return program;
}

/** Runs one command line (without the `node main.ts` part) and returns the process exit code. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(args, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its help or usage error; it only tells us the exit code.
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr(`assetd: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
