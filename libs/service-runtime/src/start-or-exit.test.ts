import { ConfigError } from '@authflow/config';
import { describe, expect, it } from 'vitest';
import { startOrExit } from './start-or-exit.js';

function recordingIo() {
  const written: string[] = [];
  const exits: number[] = [];
  return {
    written,
    exits,
    io: {
      exit: (code: number) => void exits.push(code),
      writeError: (text: string) => void written.push(text),
    },
  };
}

describe('startOrExit', () => {
  it('prints every configuration problem and exits 1', async () => {
    const { io, written, exits } = recordingIo();
    await startOrExit(
      'AuthFlow gateway',
      () =>
        Promise.reject(new ConfigError(['REDIS_URL: is required', 'GATEWAY_PORT: must be a port'])),
      io,
    );
    expect(exits).toEqual([1]);
    expect(written.join('')).toBe(
      'AuthFlow gateway: Invalid configuration:\n  - REDIS_URL: is required\n  - GATEWAY_PORT: must be a port\n',
    );
  });

  it('rethrows anything else and does not exit', async () => {
    const { io, exits } = recordingIo();
    const bug = new TypeError('not a config problem');
    await expect(startOrExit('AuthFlow auth', () => Promise.reject(bug), io)).rejects.toBe(bug);
    expect(exits).toEqual([]);
  });

  it('does nothing more when the start succeeds', async () => {
    const { io, exits, written } = recordingIo();
    let started = false;
    await startOrExit(
      'AuthFlow sample backend',
      () => {
        started = true;
        return Promise.resolve();
      },
      io,
    );
    expect(started).toBe(true);
    expect(exits).toEqual([]);
    expect(written).toEqual([]);
  });
});
