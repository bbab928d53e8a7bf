'use strict';
// What the Windows backend does not do, by design or not yet
// (docs/platforms.md), as one-line skip reasons (false elsewhere), and the
// few facts a test must know to count what it owns there.

const WINDOWS = process.platform === 'win32';

const WINDOWS_LACKS = {
  viewsInPlace:
    WINDOWS &&
    'Windows has no views in place: a section maps only over a placeholder it reserved, so regions run in copy mode',
  nodeObjectDescriptors:
    WINDOWS && 'Node on Windows exposes no descriptor for a net.Server, net.Socket or dgram.Socket',
  commitFreeRegions:
    WINDOWS &&
    'Windows charges a section to the commit limit at creation: 64 GiB regions meet that limit before the 1 TiB address-space budget',
  resizableRegions:
    WINDOWS &&
    'a Windows section cannot be resized, and Node makes no reserved or file-backed section to offer instead',
};

/** Whether a region can be viewed in place here (Linux, macOS). */
const VIEWS_IN_PLACE = !WINDOWS;

/** C runtime descriptors one channel end holds: none on Windows, where an
 * end is a pipe handle. */
const FDS_PER_CHANNEL_END = WINDOWS ? 0 : 1;

module.exports = { FDS_PER_CHANNEL_END, VIEWS_IN_PLACE, WINDOWS_LACKS };
