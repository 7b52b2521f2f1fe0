import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { artifactsDir } from './platform.ts';

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/** Where a test's screenshots go (under .data/, never committed). */
export function screenshotPath(test: string, name: string): string {
  const dir = path.join(artifactsDir, test);
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}
