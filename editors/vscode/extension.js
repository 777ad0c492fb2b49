// The vmmlab extension for VS Code: TV32 assembly (the grammar in syntaxes/, breakpoints in .s
// and .inc files) and the `vmmlab` debugger type. A debug session runs `vmmlab dap`, vmmlab's
// Debug Adapter Protocol server on stdio (the adapter is in vmmlab itself: dap/ in its
// repository), found as the `vmmlab.command` setting says, else in the workspace. Plain
// JavaScript, no build step: the package is this folder.

'use strict';

const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

/** The words that start vmmlab for a workspace folder (the debugger adds `dap`). */
function vmmlabCommand(folder) {
  const configured = vscode.workspace.getConfiguration('vmmlab', folder).get('command');
  if (Array.isArray(configured) && configured.length > 0) return configured.map(String);
  if (folder) {
    const root = folder.uri.fsPath;
    const installed = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vmmlab.cmd' : 'vmmlab');
    if (fs.existsSync(installed)) return [installed];
    // A checkout of vmmlab itself.
    const checkout = path.join(root, 'bin', 'vmmlab.js');
    if (fs.existsSync(checkout) && fs.existsSync(path.join(root, 'dap'))) return ['node', checkout];
  }
  return ['npx', '--no', 'vmmlab'];
}

/** F5 with no launch.json on a TV32 file: debug that file, stopped before its first instruction. */
const configurations = {
  resolveDebugConfiguration(folder, config) {
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document.languageId === 'tv32-asm') {
        Object.assign(config, { type: 'vmmlab', request: 'launch', name: 'Debug this TV32 program', program: '${file}', cwd: '${workspaceFolder}', stopOnEntry: true });
      }
    }
    if (!config.program && !config.machine) {
      return vscode.window.showInformationMessage('vmmlab: say which program to debug ("program" in launch.json, or open a .s file)').then(() => undefined);
    }
    return config;
  },
};

const adapters = {
  createDebugAdapterDescriptor(session) {
    const [command, ...args] = vmmlabCommand(session.workspaceFolder);
    const cwd = session.workspaceFolder ? session.workspaceFolder.uri.fsPath : undefined;
    return new vscode.DebugAdapterExecutable(command, [...args, 'dap'], cwd ? { cwd } : {});
  },
};

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('vmmlab', configurations),
    vscode.debug.registerDebugAdapterDescriptorFactory('vmmlab', adapters),
  );
}

function deactivate() {}

module.exports = { activate, deactivate, vmmlabCommand };
