import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Asset, AssetListParams } from '@assetd/sdk';
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
import { EXIT_CODES_HELP } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { table } from '../table.ts';
import { formatBytes } from '../upload/progress-view.ts';

interface ListOptions extends ConnectionOptions {
  readonly kind?: string;
  readonly collection?: string;
  readonly tags?: string;
  readonly limit?: string;
  readonly all?: boolean;
  readonly json?: boolean;
}

interface UpdateOptions extends ConnectionOptions {
  readonly name?: string;
  readonly description?: string;
  readonly tags?: string;
  readonly privacy?: 'private' | 'public' | 'unlisted';
}

const help = `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`;

export function registerAssetsCommands(program: Command, io: CliIo): void {
  const assets = program.command('assets').description('list, show, download, change and delete assets');

  addConnectionOptions(assets.command('list'), io)
    .description('list assets, newest first')
    .addOption(envOption(io, '--kind <kind>', 'only this kind: image, audio, video, 3d or model', 'ASSETD_KIND'))
    .addOption(envOption(io, '--collection <id>', 'only the assets of this collection', 'ASSETD_COLLECTION_ID'))
    .addOption(envOption(io, '--tags <a,b>', 'only assets with all these tags', 'ASSETD_TAGS'))
    .addOption(envOption(io, '--limit <n>', 'at most this many (default 50)', 'ASSETD_LIMIT'))
    .addOption(envOption(io, '--all', 'every asset, page after page', 'ASSETD_ALL'))
    .addOption(envOption(io, '--json', 'print a JSON array', 'ASSETD_JSON'))
    .addHelpText('after', help)
    .action(async (options: ListOptions) => {
      const limit = options.all ? Number.POSITIVE_INFINITY : (wholeNumber(options.limit, '--limit', 1) ?? 50);
      const params: AssetListParams = {
        pageSize: Math.min(100, limit),
        ...(options.kind ? { kind: options.kind as AssetListParams['kind'] } : {}),
        ...(options.collection ? { collectionId: options.collection } : {}),
        ...(options.tags ? { tags: options.tags.split(',') } : {}),
      };
      const found: Asset[] = [];
      for await (const asset of clientFrom(options).assets.list(params)) {
        found.push(asset);
        if (found.length >= limit) break;
      }
      if (options.json) return io.stdout(toJson(found));
      if (found.length === 0) return io.stdout('No assets.\n');
      io.stdout(
        table([
          ['ID', 'KIND', 'TYPE', 'SIZE', 'NAME', 'CREATED'],
          ...found.map((a) => [a.id, a.kind, a.mimeType, formatBytes(a.metadata.size), a.metadata.name, a.createdAt]),
        ]),
      );
    });

  addConnectionOptions(assets.command('get'), io)
    .description('print an asset as JSON')
    .argument('<assetId>')
    .addHelpText('after', help)
    .action(async (assetId: string, options: ConnectionOptions) => {
      io.stdout(toJson(await clientFrom(options).assets.retrieve(assetId)));
    });

  addConnectionOptions(assets.command('download'), io)
    .description("save an asset's file; prints the path it was saved to")
    .argument('<assetId>')
    .addOption(envOption(io, '-o, --output <path>', "file or existing folder (default: the asset's name, here)", 'ASSETD_OUTPUT'))
    .addHelpText('after', help)
    .action(async (assetId: string, options: ConnectionOptions & { readonly output?: string }) => {
      const client = clientFrom(options);
      const asset = await client.assets.retrieve(assetId);
      const cwd = io.cwd ?? process.cwd();
      // The asset's name is only a label: never let it pick a folder.
      const fileName = path.basename(asset.metadata.name || asset.id) || asset.id;
      let target = path.resolve(cwd, options.output ?? fileName);
      if ((await stat(target).catch(() => undefined))?.isDirectory()) target = path.join(target, fileName);
      const response = await client.assets.download(assetId);
      if (!response.body) throw new Error('the server sent no body');
      await pipeline(Readable.fromWeb(response.body), createWriteStream(target));
      io.stdout(`${target}\n`);
    });

  addConnectionOptions(assets.command('update'), io)
    .description("change an asset's name, description, tags or privacy; prints it as JSON")
    .argument('<assetId>')
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description (empty to clear it)')
    .option('--tags <a,b>', 'the tags, replacing the current ones (empty for none)')
    .option('--privacy <privacy>', 'private, public or unlisted')
    .addHelpText('after', help)
    .action(async (assetId: string, options: UpdateOptions) => {
      const changes = {
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.description !== undefined ? { description: options.description === '' ? null : options.description } : {}),
        ...(options.tags !== undefined ? { tags: options.tags.split(',').filter(Boolean) } : {}),
        ...(options.privacy !== undefined ? { privacy: options.privacy } : {}),
      };
      if (Object.keys(changes).length === 0) throw new Error('nothing to change: pass --name, --description, --tags or --privacy');
      io.stdout(toJson(await clientFrom(options).assets.update(assetId, changes)));
    });

  addConnectionOptions(assets.command('delete'), io)
    .description('delete assets (several at once: all or none)')
    .argument('<assetIds...>')
    .addHelpText('after', help)
    .action(async (assetIds: string[], options: ConnectionOptions) => {
      const client = clientFrom(options);
      if (assetIds.length === 1) await client.assets.delete(assetIds[0] as string);
      else await client.assets.deleteMany(assetIds);
      io.stdout(`Deleted ${assetIds.length} asset${assetIds.length === 1 ? '' : 's'}\n`);
    });
}
