/**
 * The `?key=value&…` suffix of a SOURCE such as `camera:/dev/video0?fps=30` or
 * `file:clip.mp4?loop=0`. Only a suffix made entirely of `word=value` pairs counts as options, so a
 * path that merely contains a `?` is left alone.
 */
export interface SplitOptions {
  /** The SOURCE text before the options. */
  base: string;
  options: Map<string, string>;
}

const OPTIONS_SUFFIX = /\?([a-z_]+=[^&?=]*(?:&[a-z_]+=[^&?=]*)*)$/i;

export function splitSpecOptions(text: string): SplitOptions {
  const match = OPTIONS_SUFFIX.exec(text);
  if (!match) return { base: text, options: new Map() };
  const options = new Map<string, string>();
  for (const pair of match[1]!.split('&')) {
    const eq = pair.indexOf('=');
    options.set(pair.slice(0, eq).toLowerCase(), pair.slice(eq + 1));
  }
  return { base: text.slice(0, match.index), options };
}

/** The first option key not in `known`, if any (so a typo is refused, not silently ignored). */
export function unknownOption(options: Map<string, string>, known: readonly string[]): string | undefined {
  return [...options.keys()].find((k) => !known.includes(k));
}
