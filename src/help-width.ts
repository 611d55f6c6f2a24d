/**
 * How wide help text is wrapped: to the terminal (COLUMNS) when stdout is one, else 80.
 * Shared by the CLI and the help cache, which may only answer when the widths agree.
 */
export const PIPED_HELP_WIDTH = 80;

export function helpWidth(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): number {
  const columns = Number(env.COLUMNS);
  return isTTY && Number.isInteger(columns) && columns > 20 ? columns : PIPED_HELP_WIDTH;
}
