'use strict';
// The window's only link to the main process: scenario events, read-only.
const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('scenario', {
  onEvent: (listener) => ipcRenderer.on('scenario', (_event, scenarioEvent) => listener(scenarioEvent)),
});
