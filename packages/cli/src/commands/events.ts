import type { AssetdEvent, EventType } from '@assetd/sdk';
import type { Command } from 'commander';
import { addConnectionOptions, CLIENT_ENVIRONMENT, type ConnectionOptions, clientFrom, envOption, wholeNumber } from '../client-options.ts';
import { EXIT_CODES_HELP } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { printable } from '../printable.ts';

interface EventsOptions extends ConnectionOptions {
  readonly types?: string;
  readonly lastEventId?: string;
  readonly count?: string;
  readonly json?: boolean;
}

/** The id of what an event is about: the asset, upload, collection or webhook in its data. */
function subjectId(event: AssetdEvent): string {
  const data = event.data as Record<string, { id?: string } | undefined>;
  return Object.values(data)[0]?.id ?? '';
}

export function registerEventsCommand(program: Command, io: CliIo): void {
  addConnectionOptions(program.command('events'), io)
    .description("follow the project's events as they happen: one line per event (id, type, object id, time) until Ctrl-C")
    .option('--types <types>', 'only these event types, comma-separated (e.g. upload.imported,upload.failed)')
    .option('--last-event-id <id>', 'first print the events after this one (resume where a previous run stopped)')
    .option('--count <n>', 'stop after this many events')
    .addOption(envOption(io, '--json', 'print each event as one line of JSON', 'ASSETD_JSON'))
    .addHelpText('after', `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`)
    .action(async (options: EventsOptions) => {
      const count = wholeNumber(options.count, '--count', 1);
      const types = options.types?.split(',').map((type) => type.trim()) as EventType[] | undefined;
      let printed = 0;
      for await (const event of clientFrom(options).events.stream({
        ...(types ? { types } : {}),
        ...(options.lastEventId ? { lastEventId: options.lastEventId } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
      })) {
        io.stdout(
          options.json
            ? `${printable(JSON.stringify(event))}\n`
            : `${[event.id, event.type, subjectId(event), event.timestamp].map((field) => printable(field)).join('\t')}\n`,
        );
        // Leaving the loop closes the stream.
        if (count !== undefined && ++printed >= count) break;
      }
    });
}
