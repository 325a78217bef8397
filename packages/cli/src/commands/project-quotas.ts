import type { ProjectUsage } from '@assetd/sdk';
import type { Command } from 'commander';
import {
  addConnectionOptions,
  CLIENT_ENVIRONMENT,
  type ConnectionOptions,
  clientFrom,
  envOption,
  toJson,
  wholeNumber,
} from '../client-options.ts';
import { withDatabase } from '../database.ts';
import { DATABASE_ENVIRONMENT } from '../environment-help.ts';
import { EXIT_CODES_HELP } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { loadServer } from '../server-package.ts';
import { table } from '../table.ts';

interface SetQuotaOptions {
  readonly maxBytes?: string;
  readonly maxAssets?: string;
  readonly clear?: boolean;
  readonly json?: boolean;
}

const limit = (value: number | null) => (value === null ? 'unlimited' : String(value));

/** One table of what a project stores against its limits, for both commands. */
function usageTable(usage: Pick<ProjectUsage, 'bytes' | 'assets' | 'reservedBytes' | 'reservedAssets' | 'limits'>): string {
  return table([
    ['', 'STORED', 'RESERVED', 'LIMIT'],
    ['bytes', String(usage.bytes), String(usage.reservedBytes), limit(usage.limits.maxBytes)],
    ['assets', String(usage.assets), String(usage.reservedAssets), limit(usage.limits.maxAssets)],
  ]);
}

/**
 * `assetd projects usage` (over the API, like `projects list`) and `assetd projects set-quota`
 * (against the server's database, like `assetd keys`: an operator's command, no API key).
 */
export function registerProjectQuotaCommands(projects: Command, io: CliIo): void {
  addConnectionOptions(projects.command('usage'), io)
    .description("a project's stored bytes and assets, what unfinished uploads reserve, and its quota")
    .argument('[projectId]', 'the project (default: --project)')
    .addOption(envOption(io, '--json', 'print one JSON object', 'ASSETD_JSON'))
    .addHelpText('after', `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`)
    .action(async (projectId: string | undefined, options: ConnectionOptions & { readonly json?: boolean }) => {
      const id = projectId ?? options.project;
      if (!id) throw new Error('name the project: assetd projects usage <projectId> (assetd projects list shows them)');
      const usage = await clientFrom(options).projects.usage(id);
      io.stdout(options.json ? toJson(usage) : usageTable(usage));
    });

  projects
    .command('set-quota')
    .description("set a project's own limits on stored bytes and asset count, or --clear them back to the server's defaults")
    .argument('<project>', 'project id, or its name when no other project has it')
    .option('--max-bytes <n>', 'the most bytes the project may store (each distinct file once)')
    .option('--max-assets <n>', 'the most assets the project may have')
    .option('--clear', "remove the project's own limits: the server's defaults (ASSETD_QUOTA_MAX_*) apply")
    .option('--json', 'print the resulting usage as one JSON object')
    .addHelpText('after', DATABASE_ENVIRONMENT)
    .action(async (ref: string, options: SetQuotaOptions) => {
      const maxBytes = wholeNumber(options.maxBytes, '--max-bytes', 0);
      const maxAssets = wholeNumber(options.maxAssets, '--max-assets', 0);
      if (options.clear && (maxBytes !== undefined || maxAssets !== undefined)) {
        throw new Error('--clear removes both limits: give it alone, or set limits without it');
      }
      if (!options.clear && maxBytes === undefined && maxAssets === undefined) {
        throw new Error('give --max-bytes, --max-assets or both (or --clear)');
      }
      const { KeyService, QuotaService } = await loadServer('projects set-quota');
      const { name, usage } = await withDatabase(io.env, async (db, config) => {
        const project = await new KeyService(db).findProject(ref);
        const quotas = new QuotaService(db, config.quotas);
        const own = options.clear ? undefined : await quotas.override(project.id);
        // A limit not given keeps the project's own value of it.
        await quotas.setOverride(project.id, {
          maxBytes: maxBytes ?? own?.maxBytes ?? null,
          maxAssets: maxAssets ?? own?.maxAssets ?? null,
        });
        return { name: project.name, usage: await quotas.usage(project.id) };
      });
      io.stdout(options.json ? toJson(usage) : `Project ${name} (${usage.projectId}):\n${usageTable(usage)}`);
    });
}
