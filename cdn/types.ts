// Shapes shared by the deployer, the providers and the edge.

/**
 * One file of a rendered site. The same shape as site/'s RenderedFile (declared here, not
 * imported, so cdn/ does not depend on site/; TypeScript's structural typing lets a
 * RenderedFile[] be passed wherever DeployFile[] is expected).
 */
export interface DeployFile {
  /** Absolute URL path such as '/index.html', '/about/index.html', '/assets/logo.png'. */
  path: string;
  contentType: string;
  body: Buffer;
}

/** What a deployment stores per path: the object it points to and how to serve it. */
export interface ManifestEntry {
  sha256: string;
  size: number;
  contentType: string;
}

export type DeploymentManifest = Record<string, ManifestEntry>;

export interface DeployResult {
  deploymentId: string;
  fileCount: number;
  totalBytes: number;
  /** Objects the store did not have yet and that this deploy wrote. */
  uploadedFiles: number;
  uploadedBytes: number;
}

export type DeploymentStatus = 'uploading' | 'ready' | 'failed' | 'deleted';

export interface DeploymentRow {
  id: string;
  siteId: string;
  buildId: string | null;
  provider: string;
  status: DeploymentStatus;
  fileCount: number;
  totalBytes: number;
  uploadedBytes: number;
  createdAt: Date;
  activatedAt: Date | null;
  /** True for the deployment the site serves now. */
  live: boolean;
}
