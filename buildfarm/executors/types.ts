// One interface for every way a build can run: a Docker container or a child process.
import type { RenderedFile } from '../../site/index.ts';

export type ExecutorName = 'docker' | 'process';

/** What the renderer reads from <work>/input.json. Asset bytes travel as base64. */
export interface RenderInput {
  document: unknown;
  siteUrl: string;
  hostingProvider: string;
  assets: {
    id: string;
    fileName: string;
    contentType: string;
    width: number | null;
    height: number | null;
    sha256: string;
    /** null when this build reuses the image's published files from the build cache. */
    dataBase64: string | null;
    /** resized copies made at upload (site/ renders them in <picture>) */
    variants?: { width: number; height: number; contentType: string; fileName: string; sha256: string; dataBase64: string | null }[];
  }[];
  /**
   * `document` is what validateSiteDocument returned in the worker, from the same site/ code the
   * renderer is bundled from: the renderer does not validate it a second time (for a 50-page
   * site that was most of a one-page build's time in the container).
   */
  documentValidated?: boolean;
  /**
   * The document is not here (`document` is null): it is <work>/document.json, handed to the
   * renderer earlier (Executor.preload) and read while the worker validated it, and the worker found
   * it to be exactly the validated document (so documentValidated holds for it too).
   */
  documentPreloaded?: boolean;
  /** Paths of the outputs to render (the others are reused from the build cache); absent: all. */
  only?: string[];
  /** Holds the renderer this long before it renders: lets tests and the bench see a build running. */
  slowRenderMs?: number;
}

/**
 * A developer-mode source build (buildfarm/source-check-entry.ts): the same container or child
 * process copies the snapshot's files from <work>/src (read-only in a container; each body once,
 * named by its sha256) into <work>/out and checks their links and assets instead of rendering.
 */
export interface SourceCheckInput {
  kind: 'source';
  /** The workspace commit the snapshot was taken from (named in the build log). */
  commit: string;
  files: { path: string; contentType: string; sha256: string }[];
  /** As RenderInput's: holds the check this long before it starts. */
  slowRenderMs?: number;
}

/** A file a build reads from its source folder (<work>/src/<sha256>). */
export interface SourceBlob {
  sha256: string;
  body: Buffer;
}

/**
 * What the renderer writes to <work>/out/manifest.json; bodies are in <work>/out/files/<file>.
 * A source build also gives each file's sha256, as checked in the container.
 */
export interface RenderManifest {
  files: { path: string; contentType: string; file: string; bytes: number; sha256?: string }[];
  renderMs: number;
}

export const CONTENT_ERROR_EXIT_CODE = 2;

export interface RenderLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
  timeoutSeconds: number;
}

export interface RenderRequest {
  buildId: string;
  input: RenderInput | SourceCheckInput;
  /** A source build's files, written to <work>/src before it starts. */
  source?: SourceBlob[];
  limits: RenderLimits;
  /** Aborting kills the build's container or process at once. */
  signal: AbortSignal;
  /** A line the renderer printed (stdout or stderr). */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * The end of the build this render is for. Housekeeping waits for it (removing the build's
   * container, starting the warm container that replaces it), so it does not compete with the
   * build's upload and switch for the host's CPUs. Default: the end of this render.
   */
  buildEnded?: Promise<unknown>;
  /**
   * `input.document` is the stored document handed to preload, unchanged by its validation: a
   * container that has it already is not sent it again.
   */
  documentAsPreloaded?: boolean;
}

/** A build's document, handed to the renderer before the build asks for its render (Executor.preload). */
export interface PreloadRequest {
  buildId: string;
  limits: RenderLimits;
  /** The version's document as stored (JSON text), not yet checked by the worker. */
  documentJson: string;
  /** The build's end: a container taken for it and not used by then is removed. */
  buildEnded: Promise<unknown>;
}

export interface Executor {
  name: ExecutorName;
  /** sha256 of the renderer bundle this executor runs: part of every build cache key. */
  rendererVersion: string;
  render(request: RenderRequest): Promise<RenderedFile[]>;
  /**
   * Takes the build's container now and hands it the document, so the renderer reads it while
   * the worker validates and plans the same version; the render then need not send it again.
   * False when no warm container was ready (the render sends the document as before). The docker
   * executor only: a child process starts with its render.
   */
  preload?(request: PreloadRequest): boolean;
  /** Releases what the executor keeps between builds (the docker executor's warm containers). */
  close?(): Promise<void>;
  /** The docker executor's warm containers (decision 121). */
  warmPoolStatus?(): WarmPoolStatus;
}

export interface WarmPoolStatus {
  /** Most containers kept warm at once. */
  size: number;
  /** Warm containers no build has taken yet; `ready`: loaded, compiled and waiting. */
  idle: { id: string; profile: string; ready: boolean }[];
  /** Containers being started for the pool. */
  starting: number;
}

/** The document or its size is the problem: retrying would fail the same way. */
export class BuildContentError extends Error {
  constructor(
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** The build was cancelled while it ran. */
export class BuildCancelledError extends Error {}
