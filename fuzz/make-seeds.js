'use strict';
// Writes the seed corpus (fuzz/corpus/<target>/): well-formed inputs of each
// kind, so fuzzing starts from the formats rather than from nothing. Run
// again after a format changes; the seeds are committed.
const fs = require('node:fs');
const path = require('node:path');

const CORPUS = path.join(__dirname, 'corpus');

function write(target, name, bytes) {
  const dir = path.join(CORPUS, target);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), Buffer.from(bytes));
}

function u16(value) {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return [...b];
}
function u32(value) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return [...b];
}
function u64(value) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return [...b];
}

const REQUEST_MAGIC = 0x3f525045;
const REPLY_MAGIC = 0x21525045;
const VERSION = 2;
write('request', 'valid', [...u32(REQUEST_MAGIC), ...u16(VERSION), ...u16(0)]);

// reply seeds: first byte = handles that arrived
function reply(entries) {
  const bytes = [...u32(REPLY_MAGIC), ...u16(VERSION), ...u16(0), ...u32(entries.length)];
  for (const [key, kind, length] of entries) bytes.push(...u32(key), ...u32(kind), ...u64(length));
  return [entries.length, ...bytes];
}
write('reply', 'empty', reply([]));
write('reply', 'one-fd', reply([[1, 0, 0]]));
write(
  'reply',
  'memory-and-channel',
  reply([
    [1, 4, 4096],
    [2, 5, 0],
    [7, 0, 0],
  ]),
);

// channel frame seeds: frames of { u8 handles, u16 length, bytes }
const MAGIC = 0x63525045;
function header(type, flags, handles, value) {
  return [...u32(MAGIC), type, flags, ...u16(handles), ...u64(value)];
}
function frame(handles, bytes) {
  return [handles, ...u16(bytes.length), ...bytes];
}
const text = [...Buffer.from('hello')];
write('channel_frames', 'text', frame(0, [...header(1, 1, 0, text.length), ...text]));
write(
  'channel_frames',
  'handles',
  frame(2, [
    ...header(1, 0, 2, 3),
    ...u32(4),
    ...u32(0),
    ...u64(4096),
    ...u32(0),
    ...u32(0),
    ...u64(0),
    1,
    2,
    3,
  ]),
);
write('channel_frames', 'continued', [
  ...frame(0, [...header(1, 0, 0, 12), 1, 2, 3, 4]),
  ...frame(0, [...header(2, 0, 0, 4), 5, 6, 7, 8]),
  ...frame(0, [...header(2, 0, 0, 8), 9, 10, 11, 12]),
  ...frame(0, [...header(1, 1, 0, 0)]),
]);
// Out-of-line messages: the body is one handle more than the header names,
// its data never in the frame; a pooled body's id follows the descriptors.
write('channel_frames', 'out-of-line', frame(1, [...header(1, 2, 0, 4 * 1024 * 1024)]));
write('channel_frames', 'pooled-body', [
  ...frame(2, [...header(1, 2 | 4, 1, 64 * 1024 * 1024), ...u32(4), ...u32(0), ...u64(4096), ...u64(7)]),
  ...frame(0, [...header(3, 0, 0, 7)]),
]);
write('channel_frames', 'body-released', frame(0, [...header(3, 0, 0, 1)]));
