import type { FsckResult } from '@assetd/server';
import type { Command } from 'commander';
import { DATABASE_ENVIRONMENT } from '../environment-help.ts';
import type { CliIo } from '../io.ts';
import { loadServer } from '../server-package.ts';

interface FsckFlags {
  readonly fix?: boolean;
  readonly json?: boolean;
  readonly graceSeconds?: string;
}

export function registerFsckCommand(program: Command, io: CliIo): void {
  program
    .command('fsck')
    .description('check that database rows and stored bytes match (local disk or S3); --fix repairs what it finds')
    .option('--fix', 'delete bytes without rows (past the grace period) and repair rows without bytes')
    .option('--grace-seconds <n>', 'keep bytes younger than this, they may be a write in progress (default ASSETD_COLLECT_GRACE_SECONDS)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', DATABASE_ENVIRONMENT)
    .action(async (flags: FsckFlags) => {
      const graceSeconds = flags.graceSeconds === undefined ? undefined : Number(flags.graceSeconds);
      if (graceSeconds !== undefined && (!Number.isInteger(graceSeconds) || graceSeconds < 0)) {
        throw new Error('--grace-seconds takes a whole number of seconds, 0 or more');
      }
      const { fsck } = await loadServer('fsck');
      const result = await fsck(io.env, { ...(flags.fix ? { fix: true } : {}), ...(graceSeconds !== undefined ? { graceSeconds } : {}) });
      io.stdout(flags.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
    });
}

function describe({ report, fixed }: FsckResult): string {
  const lines = [
    `rows without bytes:      ${report.rowsWithoutBytes.length} file(s), ${report.uploadsWithoutBytes.length} upload(s)`,
    ...report.rowsWithoutBytes.map(
      (row) =>
        `  ${row.fileId} ${row.storageKey}: expected ${row.expectedSize} bytes, ${row.actualSize === undefined ? 'missing' : `found ${row.actualSize}`}`,
    ),
    ...report.uploadsWithoutBytes.map((id) => `  upload ${id}: its object is missing`),
    `bytes without rows:      ${report.objectsWithoutRows.length} object(s), ${report.multipartsWithoutUploads.length} multipart upload(s)`,
    ...report.objectsWithoutRows.map(
      (object) => `  ${object.key} (${object.size} bytes, written ${new Date(object.modifiedAt).toISOString()})`,
    ),
    ...report.multipartsWithoutUploads.map((open) => `  multipart ${open.multipartId} ${open.key}`),
  ];
  if (fixed) lines.push(`fixed: ${fixed.deleted} deleted, ${fixed.repaired} row(s) repaired`);
  else if (
    report.rowsWithoutBytes.length +
      report.uploadsWithoutBytes.length +
      report.objectsWithoutRows.length +
      report.multipartsWithoutUploads.length ===
    0
  ) {
    lines.push('everything matches');
  }
  return `${lines.join('\n')}\n`;
}
