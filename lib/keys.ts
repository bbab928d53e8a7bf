import { rendezvousError } from './errors';
import { MAX_KEY } from './limits';

/**
 * The one key check, for the parent registering rights and the child taking
 * them, so both sides accept and refuse the same keys with the same errors.
 * `fromObject`: the key is an object's property name, which JS makes a
 * string; only there is a canonical number string that number.
 */
/** A value as an error message can show it, whatever it is. */
function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'bigint') return `${key}n`;
  if (typeof key === 'object' && key !== null) return Array.isArray(key) ? 'an array' : 'an object';
  if (typeof key === 'function') return 'a function';
  return String(key);
}

export function checkKey(key: unknown, fromObject = false): number {
  const number = fromObject && typeof key === 'string' && String(Number(key)) === key ? Number(key) : key;
  if (typeof number !== 'number') {
    throw rendezvousError(
      TypeError,
      'ERR_RENDEZVOUS_INVALID_KEY',
      `A key must be an integer from 0 to ${MAX_KEY}, not ${describeKey(key)}`,
    );
  }
  if (!Number.isInteger(number) || number < 0 || number > MAX_KEY) {
    throw rendezvousError(
      RangeError,
      'ERR_RENDEZVOUS_INVALID_KEY',
      `A key must be an integer from 0 to ${MAX_KEY}, not ${String(key)}`,
    );
  }
  return number;
}
