// devmode/build-image.sh: builds (or finds) the developer-mode image on this host and prints its tag.
import Docker from 'dockerode';
import { env } from '../config/env.ts';
import { ensureDevmodeImage } from './image.ts';

const docker = new Docker();
try {
  await docker.ping();
} catch (error) {
  console.error(`[devmode] Docker 엔진이 응답하지 않습니다 (${(error as Error).message}). dockerd 를 시작한 뒤 다시 실행해 주세요.`);
  process.exit(1);
}
try {
  const tag = await ensureDevmodeImage(docker, { installDir: env().devmodeInstallDir, log: (line) => console.log(`[devmode] ${line}`) });
  console.log(tag);
} catch (error) {
  console.error(`[devmode] ${(error as Error).message}`);
  process.exit(1);
}
