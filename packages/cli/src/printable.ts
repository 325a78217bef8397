/** Terminal control characters: C0 (but tab and newline), DEL and C1 (\x9b starts a sequence on its own). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** The same in one line of a table or message, where newlines and tabs would break the layout too. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f]/g;

const escaped = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Text from the server or the file system, made safe to print: control characters are shown
 * as `\u001b`-style escapes, so a name can never move the cursor, recolour, retitle or clear
 * the user's terminal.
 */
export const printable = (text: string, oneLine = true): string => text.replace(oneLine ? CONTROL_IN_LINE : CONTROL, escaped);
