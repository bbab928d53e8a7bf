'use strict';
// Keys no take*() nor registration accepts, by name, so a parent and its
// child can try the same ones and compare what they said.
const BAD_KEYS = {
  'the string "1"': '1',
  '-1': -1,
  NaN: NaN,
  1.5: 1.5,
  '2 ** 32': 2 ** 32,
  Infinity: Infinity,
  undefined: undefined,
  null: null,
  '1n': 1n,
  'an array [1]': [1],
  'an object': { key: 1 },
  'a symbol': Symbol('1'),
};

/** What `fn()` threw, in a shape that survives IPC; or what it returned. */
function outcome(fn) {
  try {
    return { returned: String(fn()) };
  } catch (error) {
    return { class: error.constructor.name, code: error.code, message: error.message };
  }
}

module.exports = { BAD_KEYS, outcome };
