'use strict';
// The demo under plain Node: the same scenario as the Electron app (see
// scenario.js), printed to the terminal.
const { runScenario } = require('./scenario');
const { load } = require('./rendezvous');

const TIMEOUT_MS = 10_000;

// Anything that hangs (a lost right, a worker that never listens, a pipe that
// never reaches EOF) fails the demo instead of blocking `npm start` forever.
const watchdog = setTimeout(() => fail(new Error(`timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);

function fail(error) {
  console.error(`demo FAILED: ${error.message}`);
  process.exit(1);
}

function print(event) {
  switch (event.type) {
    case 'handed':
      console.log(`Parent ${process.pid} handed a worker:`);
      for (const right of event.rights) console.log(`  ${right}`);
      break;
    case 'pipe':
      console.log(`Worker wrote on the pipe: ${event.text}`);
      break;
    case 'channel':
      console.log(`Worker said on the channel: ${event.text}`);
      break;
    case 'in-place':
      console.log(`Shared in place: ${event.text}`);
      break;
    case 'http':
      console.log(`GET ${event.url} -> ${event.status}: ${event.body}`);
      break;
    case 'done':
      console.log(`Worker ${event.pid} exited with code 0. OK`);
      break;
  }
}

async function main(firstLine) {
  console.log(firstLine ?? `Running the demo under Node ${process.version}.`);
  await runScenario(print);
  // The server's native thread does not keep Node alive, but stopping it
  // releases anything it still holds; then the process ends by itself.
  load('main').RendezvousServer.instance().stop();
  clearTimeout(watchdog);
}

module.exports = { main };
if (require.main === module) main().catch(fail);
