import type { Command } from 'commander';
import { addConnectionOptions, CLIENT_ENVIRONMENT, type ConnectionOptions, clientFrom, envOption, toJson } from '../client-options.ts';
import { EXIT_CODES_HELP } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { table } from '../table.ts';
import { registerProjectQuotaCommands } from './project-quotas.ts';

const help = `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`;

export function registerProjectsCommands(program: Command, io: CliIo): void {
  const projects = program.command('projects').description("the key's team's projects (any of them goes in --project-id)");

  addConnectionOptions(projects.command('list'), io)
    .description("list the key's team's projects, oldest first")
    .addOption(envOption(io, '--json', 'print a JSON array', 'ASSETD_JSON'))
    .addHelpText('after', help)
    .action(async (options: ConnectionOptions & { readonly json?: boolean }) => {
      const all = await clientFrom(options).projects.list();
      if (options.json) return io.stdout(toJson(all));
      if (all.length === 0) return io.stdout('No projects.\n');
      io.stdout(table([['ID', 'NAME', 'CREATED'], ...all.map((project) => [project.id, project.name, project.createdAt])]));
    });

  registerProjectQuotaCommands(projects, io);
}
