'use strict';
// Shared memory regions: made here, mapped by real children, read and
// written in both access modes, and refused when they are not safe to map.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const { after, afterEach, before, test } = require('node:test');

const rendezvous = require('../dist/main');
const { constants, native } = require('../dist/lib/native');
const { sharedMemoryNative } = require('../dist/lib/shared-memory');
const { SharedMemory } = rendezvous;
const { fixture, firstMessage, killStragglers, track, exited } = require('./support/children');
const { NEEDS_PROC, describeFds, targetsInheritedByGrandchild } = require('./support/close-on-exec');
const { makeSharedFile, openFdCount } = require('./support/fds');
const { VIEWS_IN_PLACE, WINDOWS_LACKS } = require('./support/windows-design');

const MODE_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY';
const SIXTY_FOUR_MIB = 64 * 1024 * 1024;

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

const fork = (...args) => track(rendezvous.fork(...args));

/** A region of `size` random bytes, filled by copy, and their digest. */
function randomRegion(size) {
  const region = SharedMemory.create(size);
  const hash = crypto.createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  for (let offset = 0; offset < size; offset += chunk.length) {
    const piece = chunk.subarray(0, Math.min(chunk.length, size - offset));
    crypto.randomFillSync(piece);
    region.write(offset, piece);
    hash.update(piece);
  }
  return { region, digest: hash.digest('hex') };
}

// `copy` is what Electron's cage imposes (views in place still work);
// `copy-only` reads by copy.
for (const mode of ['default', 'copy', 'copy-only']) {
  test(`64 MiB written by the parent reads back in a child with the same digest (${mode} mode)`, async () => {
    const { region, digest } = randomRegion(SIXTY_FOUR_MIB);
    const env = { ...process.env };
    if (mode === 'default') delete env[MODE_VARIABLE];
    else env[MODE_VARIABLE] = mode;
    const child = fork(fixture('shm-checksum.js'), [], { ports: { 1: region }, env });
    const report = await firstMessage(child, 30000);
    // Windows runs every mode by copy (no views in place): the bytes must still match.
    const zeroCopy = VIEWS_IN_PLACE && mode !== 'copy-only';
    assert.deepEqual(report, { digest, zeroCopy, byteLength: SIXTY_FOUR_MIB });
    // The child's write is visible here: one region, two mappings.
    const mark = Buffer.alloc(`child ${child.pid} was here`.length);
    region.read(0, mark);
    assert.equal(mark.toString(), `child ${child.pid} was here`);
    await exited(child);
    region.close();
  });
}

/** What is written through `view` reads back by copy from `region` (a
 * page), and what is written by copy shows in `view`, at both ends. */
function assertViewShowsRegion(view, region) {
  view.set([1, 2, 3], 100);
  const out = new Uint8Array(3);
  region.read(100, out);
  assert.deepEqual([...out], [1, 2, 3]);
  region.write(4093, new Uint8Array([7, 8, 9]));
  assert.deepEqual([...view.subarray(4093)], [7, 8, 9]);
}

test('the view in place and the copy path see the same bytes', { skip: WINDOWS_LACKS.viewsInPlace }, () => {
  assert.equal(SharedMemory.zeroCopySupported, true, 'views in place work with or without external buffers');
  const region = SharedMemory.create(4096);
  const view = region.view();
  assert.equal(region.view(), view, 'the same view each time');
  assertViewShowsRegion(view, region);
  region.close();
  assert.equal(view.byteLength, 4096, 'a view stays valid memory after close()');
  assert.deepEqual([...view.subarray(4093)], [0, 0, 0], 'and reads zeros');
});

test(
  'the external buffer (superseded by view()) and the copy path see the same bytes',
  {
    skip: !constants.externalBuffers && 'external buffers are refused here',
  },
  () => {
    const region = SharedMemory.create(4096);
    const view = new Uint8Array(region.buffer);
    assert.equal(region.buffer, region.buffer, 'the same buffer each time');
    assertViewShowsRegion(view, region);
    region.close();
    assert.equal(view.byteLength, 0, 'close() detaches the view');
  },
);

test(
  'the mode decided at load holds when the variable changes later, as the addon sees it',
  { skip: WINDOWS_LACKS.viewsInPlace },
  () => {
    const region = SharedMemory.create(16);
    const before = process.env[MODE_VARIABLE];
    process.env[MODE_VARIABLE] = 'copy-only';
    try {
      assert.equal(SharedMemory.zeroCopySupported, native().constants.zeroCopy);
      assert.equal(SharedMemory.zeroCopySupported, true);
      region.view()[0] = 7;
      const out = new Uint8Array(1);
      region.read(0, out);
      assert.equal(out[0], 7);
    } finally {
      if (before === undefined) delete process.env[MODE_VARIABLE];
      else process.env[MODE_VARIABLE] = before;
      region.close();
    }
  },
);

test('bad sizes, out-of-range access and use after close fail with codes, never a crash', () => {
  for (const size of [0, -1, 1.5, 2 ** 41, '16', undefined]) {
    assert.throws(() => SharedMemory.create(size), {
      name: 'RangeError',
      code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT',
    });
  }
  const region = SharedMemory.create(100);
  assert.throws(() => region.read(99, new Uint8Array(2)), {
    name: 'RangeError',
    code: 'ERR_RENDEZVOUS_OUT_OF_RANGE',
  });
  assert.throws(() => region.write(101, new Uint8Array(0)), {
    name: 'RangeError',
    code: 'ERR_RENDEZVOUS_OUT_OF_RANGE',
  });
  assert.throws(() => region.read(-1, new Uint8Array(1)), { code: 'ERR_RENDEZVOUS_OUT_OF_RANGE' });
  assert.throws(() => region.read(2 ** 53, new Uint8Array(1)), { code: 'ERR_RENDEZVOUS_OUT_OF_RANGE' });
  assert.throws(() => region.read(0, [1, 2]), { name: 'TypeError', code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT' });
  // Exactly the end is fine; a DataView and an ArrayBuffer work too.
  assert.equal(region.write(98, new DataView(new ArrayBuffer(2))), 2);
  assert.equal(region.read(0, new ArrayBuffer(100)), 100);
  region.close();
  region.close();
  assert.equal(region.byteLength, 0);
  assert.throws(() => region.read(0, new Uint8Array(1)), { name: 'Error', code: 'ERR_RENDEZVOUS_CLOSED' });
  assert.throws(() => region.write(0, new Uint8Array(1)), { code: 'ERR_RENDEZVOUS_CLOSED' });
  assert.throws(() => region.buffer, { code: 'ERR_RENDEZVOUS_CLOSED' });
  assert.throws(() => region.view(), { code: 'ERR_RENDEZVOUS_CLOSED' });
});

test(
  'regions mapped at once stay within 1 TiB of address space',
  { skip: WINDOWS_LACKS.commitFreeRegions },
  () => {
    const regions = [];
    try {
      // 64 GiB regions until the budget refuses one (earlier tests may still
      // hold a few pages through views not yet collected).
      let refused;
      while (regions.length < 17) {
        try {
          regions.push(SharedMemory.create(2 ** 36));
        } catch (error) {
          refused = error;
          break;
        }
      }
      assert.equal(refused?.code, 'ERR_RENDEZVOUS_OUT_OF_RANGE');
      assert.ok(refused instanceof RangeError);
      assert.ok(regions.length >= 15 && regions.length <= 16, `${regions.length} regions of 64 GiB fit`);
      regions.pop().close();
      regions.push(SharedMemory.create(2 ** 36)); // room again
    } finally {
      for (const region of regions) region.close();
    }
  },
);

test(
  'a new region’s memfd is close-on-exec, and a process launched while it is open does not inherit it',
  { skip: NEEDS_PROC },
  async () => {
    const region = SharedMemory.create(4096);
    try {
      const [memfd] = describeFds([region[sharedMemoryNative].handle]);
      assert.match(memfd.target, /^\/memfd:electron-port-rendezvous/);
      assert.equal(memfd.closeOnExec, true, 'the memfd is close-on-exec');
      assert.ok(
        !(await targetsInheritedByGrandchild()).includes(memfd.target),
        'a launched process inherited it',
      );
    } finally {
      region.close();
    }
  },
);

test('creating and closing 1,000 regions leaves the descriptor count unchanged', () => {
  const before = openFdCount();
  for (let i = 0; i < 1000; ++i) {
    const region = SharedMemory.create(65536);
    region.write(0, new Uint8Array([i & 0xff]));
    region.close();
  }
  assert.equal(openFdCount(), before);
});

/** Launches take-shared-memory.js for a launch prepared through the raw
 * addon (as a buggy or hostile parent could) and returns its report. */
async function takeRegionInChild(launch) {
  const child = track(
    childProcess.fork(fixture('take-shared-memory.js'), [], {
      env: { ...process.env, ...server.childEnv },
      execArgv: ['--require', rendezvous.PRELOAD_PATH],
    }),
  );
  native().bindLaunch(launch, child.pid);
  return firstMessage(child);
}

test(
  'a child refuses a region that is not sealed against resizing',
  { skip: WINDOWS_LACKS.resizableRegions },
  async () => {
    // A plain memfd registered as a region, as a buggy or hostile parent could.
    const memfd = await makeSharedFile('not sealed');
    const launch = native().prepareLaunch([
      { key: 1, handle: memfd, disposition: 'move', payload: 4, byteLength: 10 },
    ]);
    const report = await takeRegionInChild(launch);
    assert.equal(report.ok, false);
    assert.equal(report.code, 'ERR_RENDEZVOUS_INVALID_RIGHT');
    assert.match(report.message, /not sealed/);
    assert.equal(report.openFdsAfter, report.openFdsBefore - 1, 'the refused descriptor was closed');
  },
);

test('a child refuses a sealed region whose size is not the one stated', async () => {
  const region = SharedMemory.create(4096);
  const spec = { key: 1, handle: region[sharedMemoryNative].handle, disposition: 'copy', payload: 4 };
  const launch = native().prepareLaunch([{ ...spec, byteLength: 8192 }]);
  const report = await takeRegionInChild(launch);
  assert.equal(report.code, 'ERR_RENDEZVOUS_INVALID_RIGHT');
  // Windows refuses only a section smaller than stated (the OS may report
  // one larger than it was asked for: whole pages).
  const sizeRefusal =
    process.platform === 'win32' ? /4096 bytes, smaller than the 8192/ : /4096 bytes, not the 8192/;
  assert.match(report.message, sizeRefusal);
  // Windows: a received section is a handle, which no descriptor count sees.
  if (process.platform !== 'win32') assert.equal(report.openFdsAfter, report.openFdsBefore - 1);
  region.close();
});
