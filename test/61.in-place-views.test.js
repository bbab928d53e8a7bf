'use strict';
// Views in place: a region's pages mapped over the interior of a
// SharedArrayBuffer this process allocated (what works inside Electron's
// memory cage), seen by real children and workers, released on close(),
// collection and teardown without leaving a mapping behind.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const { once } = require('node:events');
const { Worker } = require('node:worker_threads');
const { after, afterEach, before, test } = require('node:test');

const rendezvous = require('../dist/main');
const { constants, native } = require('../dist/lib/native');
const { inPlaceView } = require('../dist/lib/in-place-view');
const { sharedMemoryNative } = require('../dist/lib/shared-memory');
const { SharedMemory } = rendezvous;
const { fixture, firstMessage, killStragglers, track, exited } = require('./support/children');
const { MEMFD_NAME, NEEDS_PROC_MAPS, inodeOf, mappingAt, memfdMappings } = require('./support/memory-maps');
const { VIEWS_IN_PLACE, WINDOWS_LACKS } = require('./support/windows-design');

const MODE_VARIABLE = 'ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY';
const PAGE = constants.pageSize;
const GIB = 2 ** 30;

let server;
before(() => {
  server = rendezvous.RendezvousServer.instance();
});
afterEach(killStragglers);
after(() => server.stop());

const fork = (...args) => track(rendezvous.fork(...args));

/** Runs `node [flags] fixture` with `env` added and returns its first message. */
async function runFixture(name, { flags = [], env = {} } = {}) {
  const child = track(
    childProcess.fork(fixture(name), [], { execArgv: flags, env: { ...process.env, ...env } }),
  );
  const report = await firstMessage(child, 60000);
  await exited(child);
  return report;
}

test(
  'views in place work here, whichever way external buffers are set',
  { skip: WINDOWS_LACKS.viewsInPlace },
  () => {
    assert.equal(constants.zeroCopy, true, 'Linux and macOS can map in place');
    assert.equal(SharedMemory.zeroCopySupported, true);
    assert.equal(constants.externalBuffers, process.env[MODE_VARIABLE] !== 'copy');
    assert.equal(PAGE, 4096);
  },
);

test(
  'Windows has no views in place: view() and mapView() are refused with a code, read() and write() work',
  { skip: VIEWS_IN_PLACE && 'views in place work here' },
  () => {
    assert.equal(constants.zeroCopy, false);
    assert.equal(SharedMemory.zeroCopySupported, false);
    const region = SharedMemory.create(PAGE);
    assert.throws(() => region.view(), { code: 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE' });
    const sab = new SharedArrayBuffer(2 * PAGE);
    assert.throws(
      () =>
        region[sharedMemoryNative].mapView(new Uint8Array(sab), new Uint8Array(structuredClone(sab)), true),
      { code: 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE' },
    );
    assert.equal(inPlaceView(region[sharedMemoryNative]), undefined);
    region.write(PAGE - 3, new Uint8Array([7, 8, 9]));
    const out = new Uint8Array(3);
    region.read(PAGE - 3, out);
    assert.deepEqual([...out], [7, 8, 9]);
    region.close();
  },
);

test(
  'a child maps the region in place: it reads the parent’s bytes and maps show its memfd at the view',
  { skip: NEEDS_PROC_MAPS },
  async () => {
    const size = 3 * PAGE + 123;
    const region = SharedMemory.create(size);
    const view = region.view();
    assert.equal(view.byteLength, size);
    assert.ok(view.buffer instanceof SharedArrayBuffer, 'memory V8 allocated, not an external buffer');
    view.set([1, 2, 3, 4, 5, 6, 7, 8]);
    view[size - 1] = 0xee;
    const child = fork(fixture('in-place-view-child.js'), [], { ports: { 1: region } });
    const report = await firstMessage(child, 30000);
    await exited(child);
    assert.equal(report.zeroCopy, true);
    assert.equal(report.byteLength, size);
    assert.deepEqual(report.pattern, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(report.last, 0xee);
    assert.equal(BigInt(`0x${report.viewAddress}`) % BigInt(PAGE), 0n, 'the view starts on a page');
    assert.equal(report.mappingStart, report.viewAddress, 'a mapping starts exactly at the view');
    assert.equal(
      BigInt(`0x${report.mappingEnd}`) - BigInt(`0x${report.mappingStart}`),
      BigInt(4 * PAGE),
      'it spans the region’s pages',
    );
    assert.ok(report.mappingPath.startsWith(MEMFD_NAME), report.mappingPath);
    assert.equal(report.mappingInode, report.regionInode, 'the region’s own memfd');
    // What the child wrote in place is here, through this process's view.
    assert.equal(Buffer.from(view.subarray(16, 16 + report.answer.length)).toString(), report.answer);
    // And the parent's view is in its own maps the same way.
    const here = mappingAt(native().typedArrayAddress(view));
    assert.equal(here.inode, inodeOf(region[sharedMemoryNative].handle));
    region.close();
  },
);

test(
  'close() while a worker holds a clone of the buffer: the worker reads zeros, nothing faults',
  { skip: WINDOWS_LACKS.viewsInPlace },
  async () => {
    const region = SharedMemory.create(2 * PAGE);
    const view = region.view();
    view.set([9, 8, 7, 6]);
    const worker = new Worker(fixture('in-place-worker.js'), {
      workerData: {
        role: 'hold',
        buffer: view.buffer,
        byteOffset: view.byteOffset,
        byteLength: view.byteLength,
      },
    });
    const [first] = await once(worker, 'message');
    assert.deepEqual(first.seen, [9, 8, 7, 6], 'the worker saw the region through its clone');
    region.close();
    assert.deepEqual([...view.subarray(0, 4)], [0, 0, 0, 0], 'this view reads zeros after close');
    assert.throws(() => region.view(), { code: 'ERR_RENDEZVOUS_CLOSED' });
    worker.postMessage('read');
    const [second] = await once(worker, 'message');
    assert.deepEqual(second, { after: [0, 0, 0, 0], sum: 0 });
    await worker.terminate();
  },
);

test(
  'a worker that exits holding a view releases it: the buffer it shared reads zeros',
  { skip: WINDOWS_LACKS.viewsInPlace },
  async () => {
    const worker = new Worker(fixture('in-place-worker.js'), { workerData: { role: 'own' } });
    // Listened for first: a worker that exits right after posting has its
    // 'message' and then its 'exit' emitted in one go.
    const exit = once(worker, 'exit');
    const [{ buffer, byteOffset, byteLength }] = await once(worker, 'message');
    const view = new Uint8Array(buffer, byteOffset, byteLength);
    await exit;
    assert.equal(
      view.reduce((a, b) => a + b, 0),
      0,
      'teardown mapped private pages back',
    );
    if (!NEEDS_PROC_MAPS) assert.ok(!mappingAt(native().typedArrayAddress(view)).path.startsWith(MEMFD_NAME));
  },
);

test(
  '1,000 create/view/close cycles, then 200 dropped and collected, leave maps and RSS flat',
  { skip: NEEDS_PROC_MAPS },
  async () => {
    // Under npm run test:asan, AddressSanitizer's quarantine would keep
    // every freed buffer resident on purpose: the child runs without one,
    // so its RSS still shows what the views leave behind.
    const asan = process.env.ASAN_OPTIONS;
    const env = asan === undefined ? {} : { ASAN_OPTIONS: `${asan}:quarantine_size_mb=0` };
    const report = await runFixture('in-place-cycles.js', { flags: ['--expose-gc'], env });
    // Slack: a few lines for the allocator's and V8's own growth (new heap
    // pages, arenas), far below one line per cycle; RSS well below the 64 MiB
    // a leak of the touched pages would add.
    const MAPS_SLACK = 16;
    const RSS_SLACK = 24 * 2 ** 20;
    assert.ok(report.afterClose.maps <= report.before.maps + MAPS_SLACK, JSON.stringify(report));
    assert.ok(report.afterCollect.maps <= report.before.maps + MAPS_SLACK, JSON.stringify(report));
    assert.ok(report.afterClose.rss <= report.before.rss + RSS_SLACK, JSON.stringify(report));
    assert.ok(report.afterCollect.rss <= report.before.rss + RSS_SLACK, JSON.stringify(report));
    assert.equal(report.memfdLines, 0, 'no region is mapped any more');
  },
);

test(
  'dropping a region and its view and collecting them takes the memfd out of maps',
  { skip: NEEDS_PROC_MAPS },
  async () => {
    const report = await runFixture('in-place-gc.js', { flags: ['--expose-gc'] });
    assert.equal(report.linesBefore, 2, 'the region’s own mapping and the view');
    assert.ok(report.atView.startsWith(MEMFD_NAME));
    assert.equal(report.linesAfter, 0, JSON.stringify(report));
    assert.notEqual(report.atAddressAfter?.startsWith(MEMFD_NAME), true);
  },
);

for (const [name, size] of [
  ['1 byte', 1],
  ['one page', PAGE],
  ['a page and a byte', PAGE + 1],
  ['1 GiB (a few pages touched)', GIB],
]) {
  test(
    `a region of ${name} is viewed in place, exactly its size`,
    { skip: WINDOWS_LACKS.viewsInPlace },
    () => {
      const region = SharedMemory.create(size);
      const view = region.view();
      assert.equal(view.byteLength, size);
      assert.equal(view, region.view(), 'the same view each time');
      assert.equal(native().typedArrayAddress(view) % BigInt(PAGE), 0n);
      assert.ok(view.byteOffset + view.byteLength <= view.buffer.byteLength);
      const offsets = [...new Set([0, Math.floor(size / 2), size - 1])];
      for (const offset of offsets) view[offset] = (offset % 251) + 1;
      for (const offset of offsets) {
        const out = new Uint8Array(1);
        region.read(offset, out);
        assert.equal(out[0], (offset % 251) + 1, `byte ${offset} through the region’s own mapping`);
      }
      region.write(size - 1, Uint8Array.of(0xab));
      assert.equal(view[size - 1], 0xab);
      region.close();
      assert.equal(view[0], 0, 'zeros after close');
    },
  );

  // What Windows still promises without views: the size, and every byte by copy.
  test(`a region of ${name} holds exactly its size by copy`, () => {
    const region = SharedMemory.create(size);
    assert.equal(region.byteLength, size);
    const offsets = [...new Set([0, Math.floor(size / 2), size - 1])];
    for (const offset of offsets) region.write(offset, Uint8Array.of((offset % 251) + 1));
    for (const offset of offsets) {
      const out = new Uint8Array(1);
      region.read(offset, out);
      assert.equal(out[0], (offset % 251) + 1, `byte ${offset}`);
    }
    assert.throws(() => region.read(size, new Uint8Array(1)), { code: 'ERR_RENDEZVOUS_OUT_OF_RANGE' });
    region.close();
  });
}

test(
  'inPlaceView(): the view owns its mapping, so closing the region does not end it',
  { skip: NEEDS_PROC_MAPS },
  () => {
    const region = SharedMemory.create(PAGE);
    const inode = inodeOf(region[sharedMemoryNative].handle);
    const view = inPlaceView(region[sharedMemoryNative]);
    view[0] = 5;
    const out = new Uint8Array(1);
    region.read(0, out);
    assert.equal(out[0], 5);
    region.close();
    assert.equal(view[0], 5, 'still the region after close()');
    assert.equal(mappingAt(native().typedArrayAddress(view)).inode, inode);
    // The view keeps the region's mapping too (and so its place in the
    // mapping budget) until it is collected.
    assert.equal(memfdMappings(inode).length, 2);
  },
);

test(
  'the native half refuses what it cannot map in place, with a code and no mapping',
  { skip: WINDOWS_LACKS.viewsInPlace },
  () => {
    const region = SharedMemory.create(PAGE);
    const raw = region[sharedMemoryNative];
    const bytes = (buffer) => new Uint8Array(buffer);
    const sab = new SharedArrayBuffer(2 * PAGE);
    const refused = { name: 'TypeError', code: 'ERR_RENDEZVOUS_INVALID_ARGUMENT' };
    // An ArrayBuffer could be detached or transferred while mapped.
    const plain = new ArrayBuffer(2 * PAGE);
    assert.throws(() => raw.mapView(bytes(plain), bytes(plain), true), {
      ...refused,
      message: /over a SharedArrayBuffer/,
    });
    // The anchor must be another object over the same memory.
    assert.throws(() => raw.mapView(bytes(sab), bytes(sab), true), refused);
    assert.throws(() => raw.mapView(bytes(sab), bytes(new SharedArrayBuffer(2 * PAGE)), true), refused);
    // Too small to hold whole pages for the region strictly inside.
    const small = new SharedArrayBuffer(PAGE);
    assert.throws(() => raw.mapView(bytes(small), bytes(structuredClone(small)), true), refused);
    // Not a whole buffer, or not bytes at all.
    assert.throws(() => raw.mapView(new Uint8Array(sab, 1), bytes(structuredClone(sab)), true), refused);
    assert.throws(() => raw.mapView(new Uint16Array(sab), bytes(structuredClone(sab)), true), refused);
    assert.throws(() => raw.mapView({}, undefined, true), refused);
    // A buffer already holding a view.
    const anchor = structuredClone(sab);
    const view = raw.mapView(bytes(sab), bytes(anchor), true);
    assert.throws(() => raw.mapView(bytes(sab), bytes(structuredClone(sab)), true), refused);
    view[0] = 3;
    region.close();
    assert.equal(view[0], 0);
    assert.throws(() => raw.mapView(bytes(sab), bytes(anchor), true), { code: 'ERR_RENDEZVOUS_CLOSED' });
  },
);

/** The path of `../dist/<name>`, as a string literal for a child's script. */
const distPath = (name) => JSON.stringify(require.resolve(`../dist/${name}`));

/** Runs `body` in a new process started with the switch set to `value`, as
 * the addon decides the mode when it loads; an assertion that fails there
 * fails here. */
function runUnderSwitch(value, body) {
  const script = `
    const assert = require('node:assert/strict');
    const { SharedMemory } = require(${distPath('main')});
    const { constants } = require(${distPath('lib/native')});
    const { inPlaceView } = require(${distPath('lib/in-place-view')});
    const { sharedMemoryNative } = require(${distPath('lib/shared-memory')});
    ${body}`;
  childProcess.execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, [MODE_VARIABLE]: value },
    stdio: 'inherit',
  });
}

test('under copy-only, view() is refused with a code while read() and write() work', () => {
  runUnderSwitch(
    'copy-only',
    `
    assert.equal(SharedMemory.zeroCopySupported, false);
    const region = SharedMemory.create(16);
    assert.throws(() => region.view(), { code: 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE', message: /copy-only/ });
    assert.throws(() => region.buffer, { code: 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE' });
    assert.throws(() => region[sharedMemoryNative].buffer(), { code: 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE' });
    assert.equal(inPlaceView(region[sharedMemoryNative]), undefined);
    region.write(0, new Uint8Array([42]));
    const out = new Uint8Array(1);
    region.read(0, out);
    assert.equal(out[0], 42);
    region.close();`,
  );
});

test(
  'under copy, external buffers are refused as Electron refuses them, and views still work',
  { skip: WINDOWS_LACKS.viewsInPlace },
  () => {
    runUnderSwitch(
      'copy',
      `
    assert.equal(constants.externalBuffers, false);
    assert.equal(SharedMemory.zeroCopySupported, true);
    const region = SharedMemory.create(16);
    assert.throws(() => region.buffer, { code: 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE' });
    assert.throws(() => region[sharedMemoryNative].buffer(), { code: 'ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE' });
    region.view()[3] = 42;
    const out = new Uint8Array(1);
    region.read(3, out);
    assert.equal(out[0], 42);
    region.close();`,
    );
  },
);

test('an unknown value of the switch is ignored, as before, with a debug line', () => {
  const result = childProcess.spawnSync(
    process.execPath,
    // Windows has no views in place: the region is used by copy there.
    [
      '-e',
      `require(${distPath('main')}).SharedMemory.create(1).${VIEWS_IN_PLACE ? 'view()' : 'write(0, new Uint8Array(1))'}`,
    ],
    { env: { ...process.env, [MODE_VARIABLE]: 'sometimes', NODE_DEBUG: 'rendezvous' }, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(
    result.stderr,
    /ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=sometimes is not `copy` or `copy-only`; ignored/,
  );
});
