/** The docker engine's pure parts: where it looks for an engine, what it says without one, names, log frames. */
import { describe, expect, it } from 'vitest';
import { demuxLogs, engineEndpoints, noEngineFix, projectName } from '../../../../src/stack/engines/docker.js';

describe('docker engine helpers', () => {
  it('looks at DOCKER_HOST alone when set, else Docker\'s sockets and then podman\'s', () => {
    expect(engineEndpoints({ platform: 'linux', env: { DOCKER_HOST: 'tcp://10.0.0.5:2375' }, home: '/home/u' })).toEqual(['tcp://10.0.0.5:2375']);
    const linux = engineEndpoints({ platform: 'linux', env: { XDG_RUNTIME_DIR: '/run/user/1000' }, home: '/home/u' });
    expect(linux[0]).toBe('unix:///var/run/docker.sock');
    expect(linux).toContain('unix:///run/podman/podman.sock');
    expect(linux).toContain('unix:///run/user/1000/podman/podman.sock');
    const mac = engineEndpoints({ platform: 'darwin', env: {}, home: '/Users/u' });
    expect(mac).toContain('unix:///Users/u/.colima/default/docker.sock');
    expect(mac.some((e) => e.includes('podman'))).toBe(false);
  });

  it('names the install for each OS', () => {
    expect(noEngineFix('darwin')).toMatch(/Docker Desktop.*colima/);
    expect(noEngineFix('linux')).toMatch(/apt-get install -y docker\.io.*podman/);
  });

  it('project names are Docker-safe, stable per workspace and distinct across workspaces', () => {
    const a = projectName('/home/u/My Project!/.kstack');
    expect(a).toMatch(/^kstack-my-project-[0-9a-f]{8}$/);
    expect(projectName('/home/u/My Project!/.kstack')).toBe(a);
    expect(projectName('/home/v/My Project!/.kstack')).not.toBe(a);
    expect(projectName('/.kstack')).toMatch(/^kstack-stack-[0-9a-f]{8}$/);
  });

  it('demultiplexes non-TTY log frames, and passes plain text through', () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, 'out line\n'), frame(2, 'err line\n'), frame(1, 'more\n')]))).toBe('out line\nerr line\nmore\n');
    expect(demuxLogs(Buffer.from('plain tty output\n'))).toBe('plain tty output\n');
    expect(demuxLogs(Buffer.alloc(0))).toBe('');
  });
});
