import { rendezvousError } from '../lib/errors';

function checkOptions(options: unknown): object {
  if (options == null) return {};
  if (typeof options !== 'object') {
    throw rendezvousError(TypeError, 'ERR_RENDEZVOUS_INVALID_ARGUMENT', 'options must be an object');
  }
  return options;
}

/**
 * `fork(modulePath, args?, options?)` as both `child_process.fork` and
 * `utilityProcess.fork` read it: no args is `[]`, and an args value that is
 * an object but not an array is the options. Any other args value is passed
 * on, for the launcher to accept or refuse as it does itself.
 */
export function splitForkArguments(
  argsOrOptions: unknown,
  options: unknown,
): [args: unknown, options: object] {
  if (argsOrOptions == null) return [[], checkOptions(options)];
  if (typeof argsOrOptions === 'object' && !Array.isArray(argsOrOptions)) {
    return [[], checkOptions(argsOrOptions)];
  }
  return [argsOrOptions, checkOptions(options)];
}
