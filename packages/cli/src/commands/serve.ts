import { serve } from '@assetd/server';
import type { Command } from 'commander';
import { SERVER_ENVIRONMENT } from '../environment-help.ts';
import type { CliIo } from '../io.ts';

export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('start the HTTP API server; it is configured by environment variables')
    .addHelpText('after', SERVER_ENVIRONMENT)
    .action(() => serve(io.env));
}
