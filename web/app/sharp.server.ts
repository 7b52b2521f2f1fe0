// sharp (libvips) is loaded on the first image upload, not when the web process starts: it adds
// about 30 MB of resident memory that most web processes, serving pages and autosaves, never use.
import type SharpModule from 'sharp';

export type Sharp = typeof SharpModule;

let loading: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}
