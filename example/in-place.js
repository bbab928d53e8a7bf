'use strict';
// Where in the first region the worker writes its note in place, and how
// the parent reads it back through its own view.
const IN_PLACE_OFFSET = 2048;

/** The note the worker wrote in place, as the parent's view shows it. */
function readNote(region) {
  const view = region.view();
  const bytes = view.subarray(IN_PLACE_OFFSET);
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString('utf8');
}

module.exports = { IN_PLACE_OFFSET, readNote };
