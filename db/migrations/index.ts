import type { Migration } from 'kysely';
import * as initial from './2026_11_24_0001_initial';
import * as uniqueSequence from './2026_11_25_0001_unique_sequence';

// Listed by hand rather than read from disk so the same list works under tsx, jest and a
// bundled build. Names are timestamped; append, never edit.
export const migrations: Record<string, Migration> = {
  '2026_11_24_0001_initial': initial,
  '2026_11_25_0001_unique_sequence': uniqueSequence,
};
