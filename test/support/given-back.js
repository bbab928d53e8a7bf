'use strict';
// Rights for a fork() that is to throw, and the proof that the caller owns
// them all again afterwards: the moved descriptor open and unread, the
// channel end usable. Closes them once checked.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Channel } = require('../../dist/main');
const { pipeHolding } = require('./fds');

function rightsToGiveBack() {
  const moved = pipeHolding('still mine');
  const copied = pipeHolding('copied');
  const [mine, theirs] = Channel.pair();
  const ports = { 1: { fd: moved, disposition: 'move' }, 2: { fd: copied, disposition: 'copy' }, 3: theirs };
  async function assertGivenBack() {
    assert.equal(fs.readFileSync(moved, 'utf8'), 'still mine', 'the moved descriptor is open and untouched');
    assert.equal(theirs.closed, false, 'the channel end handed over is usable again');
    const received = new Promise((resolve) => mine.once('message', resolve));
    theirs.postMessage('after the failed fork');
    assert.equal((await received).data, 'after the failed fork');
    for (const fd of [moved, copied]) fs.closeSync(fd);
    mine.close();
    theirs.close();
  }
  return { ports, assertGivenBack };
}

module.exports = { rightsToGiveBack };
