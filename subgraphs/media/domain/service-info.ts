import { isIn } from '../../../lib/executor/index.js';
import type { ServiceParent } from '../parents.js';
import type { MediaRepository } from './repository.js';
import { write } from './repository.js';
import { checkDescription, checkLabel } from './validation.js';

/** `/service` name and description (POST /service), kept in service_settings. */

export async function readServiceInfo(repository: MediaRepository): Promise<ServiceParent> {
  const rows = await repository.executor.lookup('service_settings', 'name', ['name', 'description']);
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return { name: text(rows[0]?.value), description: text(rows[1]?.value) };
}

/** Sets the given fields; `null` clears one, `undefined` leaves it as it is. */
export async function writeServiceInfo(
  repository: MediaRepository,
  change: { name?: string | null; description?: string | null },
): Promise<ServiceParent> {
  const set: { name: string; value: string }[] = [];
  const clear: string[] = [];
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    if (value === null) clear.push(key);
    else set.push({ name: key, value: key === 'name' ? checkLabel(value, 'name') : checkDescription(value) });
  }
  await write(repository, async (tx) => {
    if (set.length) await tx.upsert('service_settings', set, { conflict: ['name'], update: ['value'] });
    if (clear.length) await tx.delete('service_settings', isIn('name', clear));
  });
  return readServiceInfo(repository);
}
