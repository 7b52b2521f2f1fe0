// The Publish command inside the editor, as a built-in VS Code extension placed in the image
// (devmode/image.ts writes these two files). Kept as text here so the web app's server bundle,
// which works out the image tag, carries it without reading files beside the source.
//
// The container has no network, so the command does not call the web app: it writes a request
// file into the session folder the host mounted at /run/windwalker, and the host
// (devmode/supervisor.ts) publishes the workspace through the build queue and writes the outcome
// back to publish-status.json, which the extension shows.

const packageJson = `{
  "name": "windwalker-publish",
  "displayName": "WindWalker 게시",
  "description": "편집한 코드로 사이트를 게시합니다 (WindWalker 빌드 대기열).",
  "publisher": "windwalker",
  "version": "1.0.0",
  "license": "UNLICENSED",
  "engines": { "vscode": "^1.90.0" },
  "main": "./extension.js",
  "activationEvents": ["onStartupFinished"],
  "contributes": {
    "commands": [
      { "command": "windwalker.publish", "title": "사이트 게시 (Publish)", "category": "WindWalker", "icon": "$(cloud-upload)" }
    ]
  }
}
`;

const extensionJs = `// WindWalker's Publish command (see devmode/publish-extension.ts in the WindWalker repository).
'use strict';
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const SESSION_DIR = process.env.WINDWALKER_SESSION_DIR || '/run/windwalker';
const REQUEST = path.join(SESSION_DIR, 'publish-request.json');
const STATUS = path.join(SESSION_DIR, 'publish-status.json');

function readStatus() {
  try {
    return JSON.parse(fs.readFileSync(STATUS, 'utf8'));
  } catch {
    return null;
  }
}

function activate(context) {
  const item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 100);
  item.command = 'windwalker.publish';
  item.text = '$(cloud-upload) 사이트 게시';
  item.tooltip = '저장된 파일로 사이트를 게시합니다 (WindWalker)';
  item.show();
  context.subscriptions.push(item);

  let shown = (readStatus() || {}).requestId || null;
  const timer = setInterval(() => {
    const status = readStatus();
    if (!status || !status.requestId || status.requestId === shown) return;
    if (status.state === 'queued' || status.state === 'running') {
      item.text = '$(sync~spin) 게시 중…';
      return;
    }
    shown = status.requestId;
    item.text = '$(cloud-upload) 사이트 게시';
    if (status.state === 'succeeded') vscode.window.showInformationMessage(status.message || '사이트가 게시되었습니다.');
    else vscode.window.showErrorMessage(status.message || '게시하지 못했습니다.');
  }, 1000);
  context.subscriptions.push({ dispose: () => clearInterval(timer) });

  context.subscriptions.push(
    vscode.commands.registerCommand('windwalker.publish', async () => {
      await vscode.workspace.saveAll(false);
      const requestId = Date.now() + '-' + Math.random().toString(36).slice(2, 8);
      fs.writeFileSync(REQUEST, JSON.stringify({ requestId, at: new Date().toISOString() }));
      item.text = '$(sync~spin) 게시 요청…';
      vscode.window.showInformationMessage('게시를 요청했습니다. 빌드가 끝나면 알려 드립니다.');
    }),
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
`;

export const PUBLISH_EXTENSION_FILES: Record<string, string> = {
  'package.json': packageJson,
  'extension.js': extensionJs,
};
