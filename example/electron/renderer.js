'use strict';
// Shows each scenario event as it arrives.
const show = (id, text) => (document.getElementById(id).textContent = text);
const status = document.getElementById('status');

window.scenario.onEvent((event) => {
  switch (event.type) {
    case 'handed':
      show('handed', event.rights.join('\n'));
      break;
    case 'worker':
      if (event.received !== undefined) {
        show('received', `${event.received} rights, in utility process ${event.pid}`);
        show('rendezvous', `${event.rendezvousMs.toFixed(3)} ms`);
      }
      if (event.bytesServed !== undefined) show('bytes', String(event.bytesServed));
      break;
    case 'pipe':
      show('pipe', event.text);
      break;
    case 'in-place':
      show('in-place', event.text);
      break;
    case 'channel': {
      const channel = document.getElementById('channel');
      channel.textContent =
        channel.textContent === '–' ? event.text : `${channel.textContent}\n${event.text}`;
      break;
    }
    case 'http':
      show('http', `GET ${event.url} -> ${event.status}\n${event.body}`);
      break;
    case 'done':
      status.textContent = `Utility process ${event.pid} exited with code 0. OK`;
      status.className = 'ok';
      break;
    case 'error':
      status.textContent = `Failed: ${event.message}`;
      status.className = 'error';
      break;
  }
});
