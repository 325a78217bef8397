/** Where one run of the CLI writes and which environment it reads; tests pass their own to run it in-process. */
export interface CliIo {
  readonly env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Set when stderr is a terminal: progress is drawn as bars this wide; otherwise it is written as lines. */
  readonly terminal?: { readonly columns: number };
  /** Fires on Ctrl-C: running uploads stop and are abandoned on the server. */
  readonly signal?: AbortSignal;
  /** Where relative paths are resolved (default: the process's working directory). */
  readonly cwd?: string;
}
