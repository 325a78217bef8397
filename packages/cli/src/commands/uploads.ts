import type { Upload, UploadStatus } from '@assetd/sdk';
import { type Command, Option } from 'commander';
import { addConnectionOptions, CLIENT_ENVIRONMENT, type ConnectionOptions, clientFrom, envOption, toJson } from '../client-options.ts';
import { EXIT_CODES_HELP } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { table } from '../table.ts';

const help = `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`;

export function registerUploadsCommands(program: Command, io: CliIo): void {
  const uploads = program.command('uploads').description('list, inspect and abort uploads');

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

  addConnectionOptions(uploads.command('list'), io)
    .description('list uploads, newest first (--status pending finds the unfinished ones)')
    .addOption(new Option('--status <statuses>', 'only these statuses, comma-separated (pending, validating, validated, imported, failed)'))
    .addOption(new Option('--limit <n>', 'at most this many').default('50').argParser((value) => Number.parseInt(value, 10)))
    .addOption(envOption(io, '--json', 'print a JSON array', 'ASSETD_JSON'))
    .addHelpText('after', help)
    .action(async (options: ConnectionOptions & { readonly status?: string; readonly limit: number; readonly json?: boolean }) => {
      const status = options.status?.split(',').map((value) => value.trim()) as UploadStatus[] | undefined;
      const all: Upload[] = [];
      const pageSize = Math.min(100, Math.max(1, options.limit));
      for await (const upload of clientFrom(options).uploads.list({ pageSize, ...(status ? { status } : {}) })) {
        if (all.length >= options.limit) break;
        all.push(upload);
      }
      if (options.json) return io.stdout(toJson(all));
      if (all.length === 0) return io.stdout('No uploads.\n');
      io.stdout(
        table([
          ['ID', 'STATUS', 'KIND', 'SIZE', 'FILE', 'CREATED'],
          ...all.map((upload) => [upload.id, upload.status, upload.kind, String(upload.fileSize ?? ''), upload.fileName, upload.createdAt]),
        ]),
      );
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
