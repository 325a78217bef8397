import type { Command } from 'commander';
import { SERVER_ENVIRONMENT, WORKER_ENVIRONMENT } from '../environment-help.ts';
import type { CliIo } from '../io.ts';
import { loadServer } from '../server-package.ts';

export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('start the HTTP API server; it is configured by environment variables')
    .addHelpText('after', SERVER_ENVIRONMENT)
    .action(async () => (await loadServer('serve')).serve(io.env));

  program
    .command('worker')
    .description('run jobs only (validation, imports), beside API processes started with ASSETD_RUN_JOBS=false')
    .addHelpText('after', WORKER_ENVIRONMENT)
    .action(async () => (await loadServer('worker')).work(io.env));
}
