import type { Collection } from '@assetd/sdk';
import type { Command } from 'commander';
import { addConnectionOptions, CLIENT_ENVIRONMENT, type ConnectionOptions, clientFrom, envOption, toJson } from '../client-options.ts';
import { EXIT_CODES_HELP } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { table } from '../table.ts';

const help = `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`;

export function registerCollectionsCommands(program: Command, io: CliIo): void {
  const collections = program.command('collections').description('create, list, rename and delete collections; add and remove assets');

  addConnectionOptions(collections.command('list'), io)
    .description('list every collection, newest first')
    .addOption(envOption(io, '--json', 'print a JSON array', 'ASSETD_JSON'))
    .addHelpText('after', help)
    .action(async (options: ConnectionOptions & { readonly json?: boolean }) => {
      const all: Collection[] = [];
      for await (const collection of clientFrom(options).collections.list({ pageSize: 100 })) all.push(collection);
      if (options.json) return io.stdout(toJson(all));
      if (all.length === 0) return io.stdout('No collections.\n');
      io.stdout(table([['ID', 'ASSETS', 'NAME', 'CREATED'], ...all.map((c) => [c.id, String(c.assetCount), c.name, c.createdAt])]));
    });

  const one = (
    name: string,
    description: string,
    args: string[],
    act: (client: ReturnType<typeof clientFrom>, ...values: string[]) => Promise<Collection | undefined>,
  ) => {
    const command = addConnectionOptions(collections.command(name), io).description(description).addHelpText('after', help);
    for (const arg of args) command.argument(arg);
    command.action(async (...values: unknown[]) => {
      const options = values[args.length] as ConnectionOptions;
      const given = values.slice(0, args.length).map((value) => (Array.isArray(value) ? value.join(',') : String(value)));
      const result = await act(clientFrom(options), ...given);
      io.stdout(result ? toJson(result) : 'Done\n');
    });
  };

  one('get', 'print a collection as JSON', ['<collectionId>'], (client, id) => client.collections.retrieve(id as string));
  one('create', 'create a collection; prints it as JSON', ['<name>'], (client, name) => client.collections.create(name as string));
  one('rename', 'rename a collection', ['<collectionId>', '<name>'], (client, id, name) =>
    client.collections.rename(id as string, name as string),
  );
  one('delete', 'delete a collection (its assets stay)', ['<collectionId>'], async (client, id) => {
    await client.collections.delete(id as string);
    return undefined;
  });
  one('add', 'add up to 49 assets to a collection', ['<collectionId>', '<assetIds...>'], (client, id, ids) =>
    client.collections.addAssets(id as string, (ids as string).split(',')),
  );
  one('remove', 'remove up to 49 assets from a collection', ['<collectionId>', '<assetIds...>'], (client, id, ids) =>
    client.collections.removeAssets(id as string, (ids as string).split(',')),
  );
}
