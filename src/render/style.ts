/**
 * Colour for one stream. chalk's global level is shared by every importer, so each
 * stream gets its own instance, decided once from the resolved context.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export type Style = ChalkInstance;

export function createStyle(isColor: boolean): Style {
  return new Chalk({ level: isColor ? 1 : 0 });
}
