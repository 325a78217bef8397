import cliProgress from 'cli-progress';
import type { CliIo } from '../io.ts';
import { printable } from '../printable.ts';

/** How the progress of one file is shown. */
export interface FileProgress {
  update(loaded: number, status: string): void;
  done(message: string): void;
  failed(message: string): void;
}

export interface ProgressView {
  file(name: string, size: number): FileProgress;
  stop(): void;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Picks bars on a terminal, plain lines elsewhere (logs, pipes, CI), nothing with --no-progress. */
export function progressView(io: CliIo, totalBytes: number, enabled: boolean): ProgressView {
  if (!enabled) return { file: () => ({ update() {}, done() {}, failed() {} }), stop() {} };
  return io.terminal ? new BarsView(io, io.terminal.columns, totalBytes) : new LinesView(io);
}

/** One line per file as it ends: readable in a log, where redrawn bars would be noise. */
class LinesView implements ProgressView {
  readonly #io: CliIo;

  constructor(io: CliIo) {
    this.#io = io;
  }

  file(raw: string, size: number): FileProgress {
    const name = printable(raw);
    const io = this.#io;
    return {
      update() {},
      done: (message) => io.stderr(`uploaded ${name} (${formatBytes(size)}): ${printable(message)}\n`),
      failed: (message) => io.stderr(`FAILED   ${name}: ${printable(message)}\n`),
    };
  }

  stop(): void {}
}

/**
 * cli-progress bars on stderr: a total bar, and one bar per file while it is sent and
 * processed; a finished file leaves a line above the bars, so a folder of thousands of files
 * never draws thousands of bars.
 */
class BarsView implements ProgressView {
  readonly #bars: cliProgress.MultiBar;
  readonly #total: cliProgress.SingleBar;
  #totalBytes: number;
  readonly #started = Date.now();
  #loaded = 0;
  /** Bytes actually sent (not files skipped or failed), for the speed and the time left. */
  #sent = 0;

  constructor(io: CliIo, columns: number, totalBytes: number) {
    // cli-progress draws with cursor escapes on any stream-like object; this one writes to the CLI's stderr.
    const write = (text: string) => {
      io.stderr(text);
      return true;
    };
    const stream = { isTTY: true, columns, write } as unknown as NodeJS.WriteStream;
    this.#bars = new cliProgress.MultiBar(
      {
        stream,
        format: ' {label} |{bar}| {percentage}% {sent}/{size} {status}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        autopadding: true,
        fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
    this.#totalBytes = totalBytes;
    this.#total = this.#bars.create(Math.max(1, totalBytes), 0, this.#payload('total', 0, totalBytes, ''));
  }

  #payload(label: string, sent: number, size: number, status: string) {
    return {
      label: label.length > 28 ? `…${label.slice(-27)}` : label.padEnd(28),
      sent: formatBytes(sent),
      size: formatBytes(size),
      status,
    };
  }

  file(raw: string, size: number): FileProgress {
    const name = printable(raw);
    const bar = this.#bars.create(Math.max(1, size), 0, this.#payload(name, 0, size, 'starting'));
    let last = 0;
    const advance = (loaded: number, sending: boolean) => {
      this.#loaded += loaded - last;
      if (sending) this.#sent += loaded - last;
      last = loaded;
      this.#total.update(this.#loaded, this.#payload('total', this.#loaded, this.#totalBytes, this.#rate()));
    };
    const end = (line: string) => {
      advance(size, false);
      this.#bars.remove(bar);
      this.#bars.log(`${line}\n`);
    };
    return {
      update: (loaded, status) => {
        advance(loaded, true);
        bar.update(loaded, this.#payload(name, loaded, size, status));
      },
      done: (message) => end(`uploaded ${name}: ${printable(message)}`),
      // A failed file leaves the total: the bar then says what was uploaded of what can be.
      failed: (message) => {
        this.#loaded -= last;
        this.#totalBytes -= size;
        this.#total.setTotal(Math.max(1, this.#totalBytes));
        this.#total.update(this.#loaded, this.#payload('total', this.#loaded, this.#totalBytes, this.#rate()));
        this.#bars.remove(bar);
        this.#bars.log(`FAILED   ${name}: ${printable(message)}\n`);
      },
    };
  }

  stop(): void {
    this.#bars.stop();
  }

  /** The average speed so far and the time left at it: `12.5 MB/s, 1m05s left`. */
  #rate(): string {
    const seconds = (Date.now() - this.#started) / 1000;
    if (this.#sent === 0 || seconds < 1) return '';
    const speed = this.#sent / seconds;
    return `${formatBytes(speed)}/s, ${formatDuration((this.#totalBytes - this.#loaded) / speed)} left`;
  }
}

export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
