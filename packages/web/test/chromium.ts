import { access } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, unless CHROMIUM_PATH names another. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why browser tests cannot run here, if they cannot: `what` names them in the message. Never
 * allowed under CI=true (it throws there); elsewhere it warns and the tests skip with the reason.
 */
export async function chromiumMissing(what: string): Promise<string | undefined> {
  try {
    await access(CHROMIUM);
    return undefined;
  } catch {
    const reason = `Chromium not found at ${CHROMIUM}: ${what} skipped (apt-get install chromium, or set CHROMIUM_PATH)`;
    if (process.env.CI === 'true') throw new Error(`${reason} — not allowed under CI=true`);
    console.warn(reason);
    return reason;
  }
}

/** Chromium with nothing that reaches the network by itself. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
