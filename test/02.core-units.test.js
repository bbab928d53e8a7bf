'use strict';
// The core's C++ unit tests (test/native/): RegistrationTable, HeldRequests,
// UnsentReplies, ReplyPolicy, ChannelSender, MessageAssembler and
// OutgoingHandles against fake rights, the payload carrier rule,
// exit watches and transports, with no OS underneath; the owners
// (ScopedGeneric, OwnedHandle, ScopedFd on real descriptors), the
// process-wide debug log, MappingBudget, the server's endpoint name, and
// ChannelDriver, the channel end's I/O, on a private libuv loop. They are
// compiled into a test-only addon (binding.gyp's core_unit_tests target,
// built with the addon);
// each C++ case runs here as its own test and fails with its messages.
const assert = require('node:assert/strict');
const path = require('node:path');
const { describe, test } = require('node:test');

// npm run test:asan points this at its sanitizer build.
const ADDON =
  process.env.ELECTRON_PORT_RENDEZVOUS_CORE_UNIT_TESTS ??
  path.join(__dirname, '..', 'build', 'Release', 'core_unit_tests.node');

// test:win32 builds it with mingw-w64 (scripts/build-win32.js) without its
// POSIX-only suites: ScopedFd's descriptors, and ChannelDriver on pipes
// through uv_poll.
const POSIX_ONLY_SUITES = ['ChannelDriver', 'ScopedFd'];
// Built in binding.gyp's linux block of the target: where Linux places a
// copy's helper thread (linux/copy_helper.cc).
const LINUX_ONLY_SUITES = ['CopyHelperPlacement'];
const ON_WINDOWS = process.platform === 'win32';
const ON_LINUX = process.platform === 'linux';
const { cases } = require(ADDON);

const ALL_SUITES = [
  'BodyPool',
  'ChannelDriver',
  'ChannelSender',
  'CopyBytes',
  'CopyHelper',
  'CopyHelperPlacement',
  'DebugLog',
  'EndpointName',
  'HeldRequests',
  'MappingBudget',
  'MessageAssembler',
  'OutgoingHandles',
  'OwnedHandle',
  'PayloadCarrier',
  'RegistrationTable',
  'ReplyPolicy',
  'ScopedFd',
  'ScopedGeneric',
  'UnsentReplies',
];

test('every class under test has cases', () => {
  const suites = new Set(cases.map((unit) => unit.suite));
  const expected = ALL_SUITES.filter(
    (suite) =>
      !(ON_WINDOWS && POSIX_ONLY_SUITES.includes(suite)) && !(!ON_LINUX && LINUX_ONLY_SUITES.includes(suite)),
  );
  assert.deepEqual([...suites].sort(), expected);
});

for (const suite of LINUX_ONLY_SUITES) {
  if (!ON_LINUX)
    test(suite, { skip: 'its cases are about how Linux places threads; built on Linux only' }, () => {});
}

for (const suite of POSIX_ONLY_SUITES) {
  if (ON_WINDOWS)
    test(suite, { skip: 'its cases use POSIX descriptors and pipes; not built on Windows' }, () => {});
}

for (const suite of new Set(cases.map((unit) => unit.suite))) {
  describe(suite, () => {
    for (const unit of cases.filter((candidate) => candidate.suite === suite)) {
      // A case that deadlocks (a callback run under the table's lock) fails
      // here instead of holding up the run.
      test(unit.name, { timeout: 10_000 }, () => {
        const failures = unit.run();
        assert.ok(failures.length === 0, failures.join('\n'));
      });
    }
  });
}
