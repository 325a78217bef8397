import type { EventType, Webhook, WebhookDelivery } from '@assetd/sdk';
import type { Command } from 'commander';
import { addConnectionOptions, CLIENT_ENVIRONMENT, type ConnectionOptions, clientFrom, envOption, toJson } from '../client-options.ts';
import { EXIT_CODES_HELP } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { table } from '../table.ts';

const help = `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`;

type JsonOption = { readonly json?: boolean };

const webhookRow = (w: Webhook) => [w.id, w.enabled ? 'yes' : w.disabledAt ? 'disabled' : 'no', w.eventTypes.join(','), w.url];
const deliveryRow = (d: WebhookDelivery) => [
  d.id,
  d.eventType,
  d.status,
  String(d.attempts),
  d.statusCode === undefined ? '-' : String(d.statusCode),
  d.error ?? '',
];

export function registerWebhooksCommands(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description("the project's webhook endpoints: add, list, delete; their deliveries, and sending one again");

  addConnectionOptions(webhooks.command('list'), io)
    .description('list the endpoints (a disabled one kept failing: see `webhooks deliveries`)')
    .addOption(envOption(io, '--json', 'print a JSON array', 'ASSETD_JSON'))
    .addHelpText('after', help)
    .action(async (options: ConnectionOptions & JsonOption) => {
      const all = await clientFrom(options).webhooks.list();
      if (options.json) return io.stdout(toJson(all));
      if (all.length === 0) return io.stdout('No webhooks.\n');
      io.stdout(table([['ID', 'ENABLED', 'EVENTS', 'URL'], ...all.map(webhookRow)]));
    });

  addConnectionOptions(webhooks.command('create'), io)
    .description('add an endpoint; prints it as JSON with its signing secret (shown this once: keep it)')
    .argument('<url>', 'where events are POSTed (http or https, a public address)')
    .requiredOption('--events <types>', 'comma-separated event types, e.g. upload.imported,asset.deleted')
    .option('--description <text>', 'a note for the endpoint')
    .addHelpText('after', help)
    .action(async (url: string, options: ConnectionOptions & { readonly events: string; readonly description?: string }) => {
      const eventTypes = options.events.split(',').map((type) => type.trim()) as EventType[];
      const created = await clientFrom(options).webhooks.create({
        url,
        eventTypes,
        ...(options.description ? { description: options.description } : {}),
      });
      io.stderr('Keep the secret: it is not shown again (rotate it with the API if it is lost).\n');
      io.stdout(toJson(created));
    });

  addConnectionOptions(webhooks.command('delete'), io)
    .description('delete an endpoint; deliveries not yet made are dropped')
    .argument('<webhookId>')
    .addHelpText('after', help)
    .action(async (id: string, options: ConnectionOptions) => {
      await clientFrom(options).webhooks.delete(id);
      io.stdout('Done\n');
    });

  addConnectionOptions(webhooks.command('deliveries'), io)
    .description("list an endpoint's recent deliveries, newest first, with the last status code or error")
    .argument('<webhookId>')
    .addOption(envOption(io, '--json', 'print a JSON array', 'ASSETD_JSON'))
    .addHelpText('after', help)
    .action(async (id: string, options: ConnectionOptions & JsonOption) => {
      const all = await clientFrom(options).webhooks.deliveries(id);
      if (options.json) return io.stdout(toJson(all));
      if (all.length === 0) return io.stdout('No deliveries.\n');
      io.stdout(table([['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'CODE', 'ERROR'], ...all.map(deliveryRow)]));
    });

  addConnectionOptions(webhooks.command('resend'), io)
    .description("send a delivery's event again (a new delivery, the same webhook-id); prints it as JSON")
    .argument('<webhookId>')
    .argument('<deliveryId>')
    .addHelpText('after', help)
    .action(async (id: string, deliveryId: string, options: ConnectionOptions) => {
      io.stdout(toJson(await clientFrom(options).webhooks.resend(id, deliveryId)));
    });
}
