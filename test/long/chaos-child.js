'use strict';
// A chaos child: reads the token from the pipe it received under key 1 and
// reports it, then waits to be killed or told to exit.
const fs = require('node:fs');
const { RendezvousClient } = require('../../dist/preload');

const client = RendezvousClient.instance();
const fd = client?.takeFd(1) ?? null;
const token = fd === null ? null : fs.readFileSync(fd, 'utf8');
process.send({ token, error: RendezvousClient.lastError?.code ?? null });
process.on('message', () => process.exit(0));
