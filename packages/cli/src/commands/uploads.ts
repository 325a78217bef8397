import type { Command } from 'commander';
import { addConnectionOptions, CLIENT_ENVIRONMENT, type ConnectionOptions, clientFrom, toJson } from '../client-options.ts';
import { EXIT_CODES_HELP } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';

const help = `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`;

export function registerUploadsCommands(program: Command, io: CliIo): void {
  const uploads = program.command('uploads').description('inspect and abort multipart uploads');

  addConnectionOptions(uploads.command('get'), io)
    .description('print an upload as JSON')
    .argument('<uploadId>')
    .option('--wait', 'first wait until it is imported or failed')
    .addHelpText('after', help)
    .action(async (uploadId: string, options: ConnectionOptions & { readonly wait?: boolean }) => {
      const client = clientFrom(options);
      const upload = options.wait
        ? await client.uploads.waitForCompletion(uploadId, { signal: io.signal })
        : await client.uploads.retrieve(uploadId);
      io.stdout(toJson(upload));
    });

  addConnectionOptions(uploads.command('abort'), io)
    .description('abandon a pending upload; its parts are deleted')
    .argument('<uploadId>')
    .addHelpText('after', help)
    .action(async (uploadId: string, options: ConnectionOptions) => {
      const upload = await clientFrom(options).uploads.abort(uploadId);
      io.stdout(`Aborted upload ${upload.id} (${upload.status})\n`);
    });
}
