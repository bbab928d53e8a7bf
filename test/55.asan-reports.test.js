'use strict';
// npm run test:asan judges sanitizer reports by whose code they are about;
// these check that judgement on reports in the sanitizers' own format, so a
// leak or memory error in the addon cannot be waved through as node's.
const assert = require('node:assert/strict');
const { test } = require('node:test');

const { classifyReports } = require('../scripts/asan-reports');

const NODE = '(/usr/bin/node+0x116728d) (BuildId: ebeaf2df)';
const ASAN = '(/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.asan-x86_64.so+0xd4757)';

const v8Leak = `=================================================================
==28258==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 264 byte(s) in 1 object(s) allocated from:
    #0 0x7f00320d4757 in posix_memalign ${ASAN}
    #1 0x116728d in v8::internal::MemoryChunk::AllocateSlotSet(v8::internal::SlotSet**) ${NODE}
    #2 0x10fbab0 in v8::internal::Heap::InsertIntoRememberedSetFromCode(v8::internal::MemoryChunk*, unsigned long) ${NODE}
`;

// Made by V8 while the addon defined its functions: V8's, kept until exit.
const leakUnderAddonFrames = `
Direct leak of 48 byte(s) in 1 object(s) allocated from:
    #0 0x7fa81e0c1b07 in operator new(unsigned long) ${ASAN}
    #1 0xf0ff2d in v8::FunctionTemplate::GetFunction(v8::Local<v8::Context>) ${NODE}
    #2 0xc47ad9 in napi_create_function ${NODE}
    #3 0x7fa81dfd1204 in rendezvous::InitServerBindings(Napi::Env, Napi::Object) /work/main/addon/napi/server_bindings.cc:214:29
`;

const addonLeak = `
Direct leak of 131072 byte(s) in 1 object(s) allocated from:
    #0 0x7fa81e0c1b07 in operator new[](unsigned long) ${ASAN}
    #1 0x7fa81dfd5a10 in rendezvous::frames::MessageAssembler::AcceptStart(unsigned char const*, unsigned long, unsigned long, rendezvous::frames::AssembledMessage*, std::string*) /work/main/addon/core/channel_frames.cc:131:21
    #2 0x7fa81dfd5f00 in rendezvous::ChannelObject::ReadFrames() /work/main/addon/napi/channel_bindings.cc:512:7
`;

const addonUseAfterFree = `=================================================================
==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x7f0 bp 0x7ff sp 0x7fe
READ of size 8 at 0x602000000010 thread T0
    #0 0x7fa81dfd6000 in rendezvous::ChannelObject::Emit(Napi::Object, rendezvous::(anonymous namespace)::Event, std::vector<napi_value__*>) /work/main/addon/napi/channel_bindings.cc:670:5
    #1 0xc47ad9 in napi_make_callback ${NODE}
SUMMARY: AddressSanitizer: heap-use-after-free /work/main/addon/napi/channel_bindings.cc:670:5
`;

const addonUndefined =
  '/work/main/addon/core/wire_format.cc:88:14: runtime error: load of misaligned address 0x000001 for type uint32_t\n';
const foreignUndefined = '/build/glibc/string.c:10:1: runtime error: shift exponent 40 is too large\n';

test('leaks V8 or node made, even under the addon’s frames, are not the addon’s', () => {
  const { ours, counts } = classifyReports([{ file: 'asan.1', text: v8Leak + leakUnderAddonFrames }]);
  assert.deepEqual(ours, []);
  assert.equal(counts.foreign, 2);
});

test('a leak the addon’s own code allocated counts against it', () => {
  const { ours } = classifyReports([{ file: 'asan.2', text: v8Leak + addonLeak }]);
  assert.equal(ours.length, 1);
  assert.match(ours[0], /MessageAssembler::AcceptStart/);
});

test('a memory error or undefined behaviour in the addon counts; one elsewhere does not', () => {
  const { ours, counts } = classifyReports([
    { file: 'asan.3', text: addonUseAfterFree },
    { file: 'ubsan.4', text: addonUndefined + foreignUndefined },
  ]);
  assert.equal(ours.length, 2);
  assert.match(ours[0], /heap-use-after-free/);
  assert.match(ours[1], /wire_format\.cc:88:14: runtime error/);
  assert.equal(counts.foreign, 1);
});

// A right the registration table never released: the unit test made it.
const unitTestLeak = `
Direct leak of 32 byte(s) in 1 object(s) allocated from:
    #0 0x7fa81e0c1b07 in operator new(unsigned long) ${ASAN}
    #1 0x7fa81dfd1100 in rendezvous::unit::RightLog::Make(int, rendezvous::RightKind) /work/main/test/native/fake_rights.cc:28:16
    #2 0x7fa81dfd1200 in rendezvous::unit::RightLog::MakeRights(std::initializer_list<unsigned int>, int) /work/main/test/native/fake_rights.cc:37:24
`;

test('a leak of something the core’s unit tests made counts against the addon', () => {
  const { ours } = classifyReports([{ file: 'asan.5', text: unitTestLeak }]);
  assert.equal(ours.length, 1);
  assert.match(ours[0], /RightLog::Make/);
});
