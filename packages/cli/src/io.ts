/** Where one run of the CLI writes and which environment it reads; tests pass their own to run it in-process. */
export interface CliIo {
  readonly env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}
