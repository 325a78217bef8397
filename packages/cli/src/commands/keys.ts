import type { CreatedKey, KeyInfo } from '@assetd/server';
import type { Command } from 'commander';
import { withKeyService } from '../database.ts';
import { DATABASE_ENVIRONMENT } from '../environment-help.ts';
import type { CliIo } from '../io.ts';
import { table } from '../table.ts';

interface CreateOptions {
  readonly team?: string;
  readonly project?: string;
  readonly name?: string;
  readonly json?: boolean;
}

export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('create, list and revoke API keys').addHelpText('after', DATABASE_ENVIRONMENT);

  keys
    .command('create')
    .description('create an API key; its secret is printed only this once')
    .option('--team <id|name>', 'team id or name; a new name creates the team (default: the first team)')
    .option('--project <id|name>', "project id or name in that team; a new name creates it (default: the team's first project)")
    .option('--name <label>', 'label to recognise the key by (default: "api key")')
    .option('--json', 'print the key as one JSON object')
    .action(async (options: CreateOptions) => {
      const key = await withKeyService(
        io.env,
        (service) => service.create({ team: options.team, project: options.project, name: options.name }),
        { create: true },
      );
      io.stdout(options.json ? toJson(key) : describeCreated(key));
    });

  keys
    .command('list')
    .description('list API keys, revoked ones included (secrets are never stored, so never shown)')
    .option('--json', 'print the keys as a JSON array')
    .action(async (options: { readonly json?: boolean }) => {
      const list = await withKeyService(io.env, (service) => service.list());
      io.stdout(options.json ? toJson(list) : keyTable(list));
    });

  keys
    .command('revoke')
    .description('revoke an API key; requests made with it are refused from then on')
    .argument('<keyId>', 'id of the key, e.g. key_…')
    .action(async (keyId: string) => {
      const revoked = await withKeyService(io.env, (service) => service.revoke(keyId));
      if (!revoked) throw new Error(`no active API key "${keyId}" (it does not exist or is already revoked)`);
      io.stdout(`Revoked API key ${keyId}\n`);
    });
}

const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function describeCreated(key: CreatedKey): string {
  return [
    `Created API key "${key.name}". The secret is shown only this once; store it now:`,
    `  API key:    ${key.id}`,
    `  API secret: ${key.secret}`,
    `  team:       ${key.teamName} (${key.teamId})`,
    `  project:    ${key.projectName} (${key.projectId})`,
    "Use HTTP Basic (key:secret) or 'Authorization: Bearer <secret>'.",
    '',
  ].join('\n');
}

function keyTable(keys: readonly KeyInfo[]): string {
  if (keys.length === 0) return 'No API keys. Create one with: assetd keys create\n';
  return table([
    ['ID', 'NAME', 'TEAM', 'PROJECT', 'CREATED', 'REVOKED'],
    ...keys.map((key) => [key.id, key.name, key.teamName, key.projectName, key.createdAt, key.revokedAt ?? '-']),
  ]);
}
