import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { registerAssetsCommands } from './commands/assets.ts';
import { registerCollectionsCommands } from './commands/collections.ts';
import { registerEventsCommand } from './commands/events.ts';
import { registerFsckCommand } from './commands/fsck.ts';
import { registerJobsCommands } from './commands/jobs.ts';
import { registerKeysCommands } from './commands/keys.ts';
import { registerPreviewsCommands } from './commands/previews.ts';
import { registerProjectsCommands } from './commands/projects.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerUploadCommand } from './commands/upload.ts';
import { registerUploadsCommands } from './commands/uploads.ts';
import { registerWebhooksCommands } from './commands/webhooks.ts';
import { describeError, EXIT_CODES_HELP, ExitError, exitCodeFor } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { printable } from './printable.ts';

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
  program.addHelpText('after', EXIT_CODES_HELP);
  registerServeCommand(program, io);
  registerKeysCommands(program, io);
  registerFsckCommand(program, io);
  registerPreviewsCommands(program, io);
  registerUploadCommand(program, io);
  registerAssetsCommands(program, io);
  registerUploadsCommands(program, io);
  registerJobsCommands(program, io);
  registerCollectionsCommands(program, io);
  registerProjectsCommands(program, io);
  registerWebhooksCommands(program, io);
  registerEventsCommand(program, io);
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
    // Already explained by the command (the upload summary): only the status is left to give.
    if (error instanceof ExitError) {
      if (error.message) io.stderr(`assetd: ${printable(error.message)}\n`);
      return error.exitCode;
    }
    io.stderr(`assetd: ${printable(describeError(error))}\n`);
    return exitCodeFor(error);
  }
}
