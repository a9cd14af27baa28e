import { spawn } from 'node:child_process';
import { appMain } from './app-paths.js';
import type { PlatformUnderTest } from './platform-under-test.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `mailctl` against a platform, as an administrator would. */
export function mailctl(platform: Pick<PlatformUnderTest, 'adminUrl' | 'adminToken'>, args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [appMain('mailctl'), ...args], {
      env: { PATH: process.env.PATH, MAILCTL_URL: platform.adminUrl, MAILCTL_TOKEN: platform.adminToken },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
