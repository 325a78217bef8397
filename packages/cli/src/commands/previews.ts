import type { BackfillProgress, BackfillResult } from '@assetd/server';
import type { Command } from 'commander';
import { DATABASE_ENVIRONMENT } from '../environment-help.ts';
import { EXIT, ExitError } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { printable } from '../printable.ts';
import { loadServer } from '../server-package.ts';

/** The asset kinds that have previews, as `--kind` takes them. */
const KINDS = ['image', 'audio', 'video', '3d'] as const;
type Kind = (typeof KINDS)[number];

interface BackfillFlags {
  readonly kind?: string[];
  readonly missingOnly?: boolean;
  readonly wait?: boolean;
  readonly inFlight?: string;
  readonly json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((kind) => kind.trim())];

function parseKinds(values: readonly string[] | undefined): Kind[] {
  const kinds = (values ?? []).filter(Boolean);
  const unknown = kinds.filter((kind) => !(KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0) throw new Error(`--kind takes ${KINDS.join(', ')}, not ${unknown.join(', ')}`);
  return [...new Set(kinds)] as Kind[];
}

export function registerPreviewsCommands(program: Command, io: CliIo): void {
  const previews = program.command('previews').description("make existing assets' previews (thumbnails, frames, 3D renders, waveforms)");
  previews
    .command('backfill')
    .description(
      'queue preview jobs for existing assets (after installing ffmpeg, after an upgrade that adds a preview kind); the workers of `assetd serve` and `assetd worker` run them',
    )
    .option('--kind <kinds>', `only assets of these kinds (${KINDS.join(', ')}; comma-separated or repeated)`, collect)
    .option(
      '--missing-only',
      'only assets that lack a preview of their kind, and only what they lack (otherwise every preview is made anew)',
    )
    .option('--wait', 'wait until every job has run, printing how many are done and failed; exits 2 if any failed')
    .option('--in-flight <n>', 'with --wait: keep at most n of these jobs queued at once (uploads queued meanwhile wait behind n at most)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', DATABASE_ENVIRONMENT)
    .action(async (flags: BackfillFlags) => {
      const kinds = parseKinds(flags.kind);
      const inFlight = flags.inFlight === undefined ? undefined : Number(flags.inFlight);
      if (inFlight !== undefined && (!Number.isInteger(inFlight) || inFlight < 1))
        throw new Error('--in-flight takes a whole number, 1 or more');
      if (inFlight !== undefined && !flags.wait) throw new Error('--in-flight needs --wait: jobs are queued as others finish');
      let last = '';
      const { backfillPreviews } = await loadServer('previews backfill');
      const result = await backfillPreviews(io.env, {
        kinds,
        missingOnly: flags.missingOnly ?? false,
        wait: flags.wait ?? false,
        ...(inFlight !== undefined ? { inFlight } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
        onProgress: (progress) => {
          // Progress on stderr, one line whenever it changes; the result alone on stdout.
          const line = progressLine(progress);
          if (line !== last) io.stderr(`${line}\n`);
          last = line;
        },
      });
      io.stdout(flags.json ? `${JSON.stringify(result, null, 2)}\n` : summary(result, flags.wait ?? false));
      // Ctrl-C stops the waiting (and the queuing), not the jobs already queued.
      if (io.signal?.aborted) throw new ExitError(EXIT.interrupted);
      if (flags.wait && result.failed > 0) throw new ExitError(EXIT.uploadFailed);
    });
}

const progressLine = (p: BackfillProgress) =>
  `${p.done + p.failed} of ${p.queued}${p.allQueued ? '' : '+'} preview jobs finished: ${p.done} done, ${p.failed} failed`;

function summary(result: BackfillResult, waited: boolean): string {
  if (!waited) {
    return `queued ${result.queued} preview job(s); the workers of \`assetd serve\` and \`assetd worker\` run them (see --wait)\n`;
  }
  const lines = [`${result.queued} preview job(s): ${result.done} done, ${result.failed} failed`];
  for (const failure of result.failures) lines.push(`  ${failure.assetId}: ${printable(failure.error)}`);
  if (result.failed > result.failures.length) lines.push(`  … and ${result.failed - result.failures.length} more`);
  return `${lines.join('\n')}\n`;
}
