import type { Job, JobStatus } from '@assetd/sdk';
import { type Command, Option } from 'commander';
import { addConnectionOptions, CLIENT_ENVIRONMENT, type ConnectionOptions, clientFrom, envOption, toJson } from '../client-options.ts';
import { EXIT, EXIT_CODES_HELP, ExitError } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { table } from '../table.ts';

const help = `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`;
const STATUSES: readonly JobStatus[] = ['queued', 'in-progress', 'success', 'failure', 'canceled'];

/** The asset a finished job made, or what stopped it. */
const outcome = (job: Job): string => {
  const metadata = job.metadata as { output?: { entityId?: string }; errorMessage?: string };
  return metadata.output?.entityId ?? metadata.errorMessage ?? '';
};

export function registerJobsCommands(program: Command, io: CliIo): void {
  const jobs = program.command('jobs').description("follow uploads' jobs (one per upload, Scenario's jobs resource)");

  addConnectionOptions(jobs.command('list'), io)
    .description('list jobs, newest first')
    .addOption(new Option('--status <statuses>', `only jobs in these statuses, comma-separated (${STATUSES.join(', ')})`))
    .addOption(new Option('--limit <n>', 'at most this many').default('50').argParser((value) => Number.parseInt(value, 10)))
    .addOption(envOption(io, '--json', 'print a JSON array', 'ASSETD_JSON'))
    .addHelpText('after', help)
    .action(async (options: ConnectionOptions & { readonly status?: string; readonly limit: number; readonly json?: boolean }) => {
      const status = options.status?.split(',').map((value) => value.trim()) as JobStatus[] | undefined;
      const all: Job[] = [];
      for await (const job of clientFrom(options).jobs.list({
        pageSize: Math.min(100, Math.max(1, options.limit)),
        ...(status ? { status } : {}),
      })) {
        if (all.length >= options.limit) break;
        all.push(job);
      }
      if (options.json) return io.stdout(toJson(all));
      if (all.length === 0) return io.stdout('No jobs.\n');
      io.stdout(
        table([
          ['ID', 'STATUS', 'PROGRESS', 'FILE', 'ASSET OR ERROR', 'CREATED'],
          ...all.map((job) => [
            job.jobId,
            job.status,
            `${Math.round(job.progress * 100)}%`,
            String((job.metadata as { input?: { fileName?: string } }).input?.fileName ?? ''),
            outcome(job),
            job.createdAt,
          ]),
        ]),
      );
    });

  addConnectionOptions(jobs.command('get'), io)
    .description('print a job as JSON')
    .argument('<jobId>')
    .addHelpText('after', help)
    .action(async (jobId: string, options: ConnectionOptions) => {
      io.stdout(toJson(await clientFrom(options).jobs.get(jobId)));
    });

  addConnectionOptions(jobs.command('wait'), io)
    .description('wait until a job succeeds, fails or is canceled, then print it as JSON (exit code 2 unless it succeeded)')
    .argument('<jobId>')
    .addHelpText('after', help)
    .action(async (jobId: string, options: ConnectionOptions) => {
      const job = await clientFrom(options).jobs.wait(jobId, { signal: io.signal });
      io.stdout(toJson(job));
      // The job is printed either way; the status says whether its file became an asset.
      if (job.status !== 'success') throw new ExitError(EXIT.uploadFailed);
    });
}
