// Where the collected real outputs live (see its SOURCES.md): HAWATCH_SHARED_FIXTURES, else `../shared/fixtures`
// next to this checkout, else the work folder's copy. Tests that need a file from there skip, saying so, when it
// is absent; collected material is never copied into the repository.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const besideCheckout = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures');

export const SHARED_FIXTURES: string =
  process.env['HAWATCH_SHARED_FIXTURES'] ?? (existsSync(besideCheckout) ? besideCheckout : '/work/shared/fixtures');
