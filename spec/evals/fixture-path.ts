import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file of spec/evals/fixtures, found from the compiled spec's location (build/<name>/spec/evals). */
export function fixture(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'spec', 'evals', 'fixtures', name);
}
