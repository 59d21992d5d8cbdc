// `npm run build` at the repository root before measuring: the services run from dist/, and the
// build is incremental (tsc -b), so an up-to-date tree costs a few seconds.
import { spawn } from 'node:child_process';

export function buildWorkspaces(repoRoot: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'build', '--silent'], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build exited with ${code}`)),
    );
  });
}
