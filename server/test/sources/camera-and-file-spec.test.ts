import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devicesReport } from '../../src/cli.js';
import { cameraCodecArgs, cameraInputArgs, parseCameraSpec } from '../../src/sources/camera.js';
import { formatCameraList, listCameras, parseAvfoundationDevices, parseDshowDevices, parseV4l2Formats } from '../../src/sources/camera-devices.js';
import { redactSecrets } from '../../src/sources/redact.js';
import { rtmpKeyGuard, rtmpListenerInput } from '../../src/sources/rtmp-listener.js';
import { parseSourceSpec } from '../../src/sources/source-spec.js';
import { decideVideoArgs, parseProbeJson } from '../../src/sources/video-probe.js';

describe('camera[:DEVICE] SOURCE', () => {
  it('parses the device and options, with a one-second default key frame interval', () => {
    expect(parseSourceSpec('camera')).toEqual({ kind: 'camera', device: null, options: { gop: 30 } });
    expect(parseSourceSpec('camera:/dev/video2?size=1280x720&fps=25')).toEqual({
      kind: 'camera',
      device: '/dev/video2',
      options: { size: '1280x720', fps: 25, gop: 25 },
    });
    expect(parseSourceSpec('camera?gop=10&format=H264')).toEqual({ kind: 'camera', device: null, options: { gop: 10, format: 'h264' } });
    expect(parseCameraSpec(':video=Integrated Camera', 'win32').device).toBe('video=Integrated Camera');
  });

  it('refuses bad options with the reason, and a Windows camera without a name', () => {
    for (const [bad, why] of [
      ['camera:/dev/video0?size=big', /WIDTHxHEIGHT/],
      ['camera?fps=0', /frame rate/],
      ['camera?gop=1.5', /whole number/],
      ['camera?zoom=2', /unknown camera option "zoom"/],
      ['camerax', /expected/],
    ] as const) {
      expect(() => parseSourceSpec(bad, 'cam')).toThrow(expect.objectContaining({ code: 'SRV_ERR_SOURCE_INVALID', key: 'cam', message: expect.stringMatching(why) }));
    }
    expect(() => parseCameraSpec('', 'win32')).toThrow(/DirectShow name/);
  });

  it('builds the platform input arguments', () => {
    const o = { size: '1280x720', fps: 30, gop: 30 };
    expect(cameraInputArgs('linux')(null, o)).toEqual(['-f', 'v4l2', '-framerate', '30', '-video_size', '1280x720', '-i', '/dev/video0']);
    expect(cameraInputArgs('linux')('/dev/video1', { gop: 30, format: 'mjpeg' })).toEqual(['-f', 'v4l2', '-input_format', 'mjpeg', '-i', '/dev/video1']);
    expect(cameraInputArgs('darwin')(null, { gop: 30 })).toEqual(['-f', 'avfoundation', '-framerate', '30', '-i', '0:none']);
    expect(cameraInputArgs('win32')('Integrated Camera', { gop: 30, format: 'h264' })).toEqual(['-f', 'dshow', '-vcodec', 'h264', '-i', 'video=Integrated Camera']);
  });

  it('encodes with live x264 settings and the gop, or copies the camera H.264', () => {
    const args = cameraCodecArgs({ gop: 15 });
    expect(args.join(' ')).toBe('-c:v libx264 -preset ultrafast -tune zerolatency -bf 0 -g 15 -pix_fmt yuv420p');
    expect(cameraCodecArgs({ gop: 15, format: 'h264' })).toEqual(['-c:v', 'copy']);
    expect(parseSourceSpec('camera:/dev/video0?format=h264&gop=15')).toMatchObject({ options: { format: 'h264' } });
  });
});

describe('file:PATH SOURCE', () => {
  it('loops by default; loop=0 plays once; a ? without options stays in the path', () => {
    expect(parseSourceSpec('file:/videos/a b.mp4')).toEqual({ kind: 'file', path: '/videos/a b.mp4', loop: true });
    expect(parseSourceSpec('file:/v/a.mkv?loop=0')).toEqual({ kind: 'file', path: '/v/a.mkv', loop: false });
    expect(parseSourceSpec('file:/v/what?.mp4')).toEqual({ kind: 'file', path: '/v/what?.mp4', loop: true });
    expect(() => parseSourceSpec('file:/v/a.mp4?loop=2', 'f')).toThrow(/loop must be 0/);
    expect(() => parseSourceSpec('file:/v/a.mp4?speed=2', 'f')).toThrow(/unknown file option "speed"/);
  });

  it('copies browser-playable H.264 (B-frames too) and encodes the rest', () => {
    const h264 = { codec: 'h264', profile: 'High', pixFmt: 'yuv420p', fieldOrder: 'progressive', hasBFrames: 0 };
    expect(decideVideoArgs(h264)).toMatchObject({ copy: true, codecArgs: ['-c:v', 'copy'] });
    expect(decideVideoArgs({ ...h264, hasBFrames: 2 })).toMatchObject({ copy: true, reason: expect.stringMatching(/B-frames/) });
    expect(decideVideoArgs({ codec: 'h264', profile: 'Main', pixFmt: 'yuvj420p' }).copy).toBe(true);
    for (const other of [
      { ...h264, profile: 'High 10', pixFmt: 'yuv420p10le' },
      { ...h264, profile: 'High 4:2:2', pixFmt: 'yuv422p' },
      { codec: 'hevc', pixFmt: 'yuv420p' },
      null,
    ]) {
      const d = decideVideoArgs(other);
      expect(d.copy).toBe(false);
      expect(d.codecArgs).toContain('libx264');
    }
    const interlaced = decideVideoArgs({ ...h264, fieldOrder: 'tt' });
    expect(interlaced.copy).toBe(false);
    expect(interlaced.codecArgs.slice(0, 2)).toEqual(['-vf', 'yadif']);
  });

  it('reads ffprobe JSON', () => {
    expect(parseProbeJson('{"streams":[{"codec_name":"h264","profile":"High","has_b_frames":2,"pix_fmt":"yuv420p","field_order":"tt"}]}')).toEqual({
      codec: 'h264', profile: 'High', hasBFrames: 2, pixFmt: 'yuv420p', fieldOrder: 'tt',
    });
    expect(parseProbeJson('{"streams":[]}')).toBeNull();
    expect(parseProbeJson('not json')).toBeNull();
  });
});

describe('secrets and stream keys', () => {
  it('redacts passwords, passphrases and RTMP listener keys', () => {
    expect(redactSecrets('-i rtsp://admin:hunter2@cam/1')).toBe('-i rtsp://***@cam/1');
    expect(redactSecrets('srt://0.0.0.0:9000?mode=listener&passphrase=abcdefghijk')).toBe('srt://0.0.0.0:9000?mode=listener&passphrase=***');
    expect(redactSecrets('-i rtmp://0.0.0.0:1935/live/s3cret?listen=1 -map')).toBe('-i rtmp://0.0.0.0:1935/live/***?listen=1 -map');
    expect(redactSecrets('-listen 1 -i rtmp://0.0.0.0:1935/live/s3cret -map')).toBe('-listen 1 -i rtmp://0.0.0.0:1935/live/*** -map');
    expect(redactSecrets('rtmp://cam.local/live/stream')).toBe('rtmp://cam.local/live/stream'); // a pull URL names no secret
    expect(redactSecrets('[rtmp @ 0x1] Unexpected stream WRONG, expecting s3cret')).not.toMatch(/WRONG|s3cret/);
  });

  it('refuses an SRT passphrase libsrt would refuse', () => {
    expect(() => parseSourceSpec('srt://0.0.0.0:9000?mode=listener&passphrase=short', 'obs')).toThrow(/10 to 79 characters/);
    expect(parseSourceSpec('srt://0.0.0.0:9000?mode=listener&passphrase=long-enough-1')).toMatchObject({ kind: 'url' });
  });

  it('guards RTMP listeners only, and spots ffmpeg refusing to check the key', () => {
    expect(rtmpKeyGuard('srt://0.0.0.0:9000?mode=listener')).toBeUndefined();
    expect(rtmpKeyGuard('rtmp://cam.local/live/x')).toBeUndefined();
    const guard = rtmpKeyGuard('rtmp://0.0.0.0:1935/live/KEY?listen=1')!;
    expect(guard('[rtmp @ 0x55] Unexpected stream WRONG, expecting KEY')).toMatch(/wrong stream key/);
    expect(guard('[flv @ 0x55] some other warning')).toBeNull();
  });

  it('turns ?listen=1 into ffmpeg -listen 1 (ffmpeg would otherwise connect out)', () => {
    expect(rtmpListenerInput('rtmp://0.0.0.0:1935/live/KEY?listen=1')).toEqual(['-listen', '1', '-i', 'rtmp://0.0.0.0:1935/live/KEY']);
    expect(rtmpListenerInput('rtmp://0.0.0.0:1935/live/KEY?timeout=5&listen')).toEqual(['-listen', '1', '-i', 'rtmp://0.0.0.0:1935/live/KEY?timeout=5']);
  });
});

describe('framewire devices', () => {
  it('parses the platform listings', () => {
    expect(parseV4l2Formats([
      '[video4linux2,v4l2 @ 0x5] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720',
      '[video4linux2,v4l2 @ 0x5] Compressed:       mjpeg :          Motion-JPEG : 1920x1080',
      '[video4linux2,v4l2 @ 0x5] Compressed:        h264 :                H.264 : 1920x1080',
      '/dev/video0: Immediate exit requested',
    ].join('\n'))).toEqual(['yuyv422 640x480 1280x720', 'mjpeg 1920x1080', 'h264 1920x1080']);
    expect(parseAvfoundationDevices([
      '[AVFoundation indev @ 0x7f] AVFoundation video devices:',
      '[AVFoundation indev @ 0x7f] [0] FaceTime HD Camera',
      '[AVFoundation indev @ 0x7f] [1] Capture screen 0',
      '[AVFoundation indev @ 0x7f] AVFoundation audio devices:',
      '[AVFoundation indev @ 0x7f] [0] MacBook Pro Microphone',
    ].join('\n'))).toEqual([
      { device: '0', name: 'FaceTime HD Camera', formats: [] },
      { device: '1', name: 'Capture screen 0', formats: [] },
    ]);
    expect(parseDshowDevices([
      '[dshow @ 0000] "Integrated Camera" (video)',
      '[dshow @ 0000]   Alternative name "@device_pnp_\\\\?\\usb#vid"',
      '[dshow @ 0000] "Microphone (Realtek)" (audio)',
    ].join('\n')).map((c) => c.device)).toEqual(['Integrated Camera']);
    expect(parseDshowDevices([
      '[dshow @ 0000] DirectShow video devices (some may be both video and audio devices)',
      '[dshow @ 0000]  "USB Cam"',
      '[dshow @ 0000] DirectShow audio devices',
      '[dshow @ 0000]  "Mic"',
    ].join('\n')).map((c) => c.device)).toEqual(['USB Cam']);
  });

  it('lists V4L2 nodes with their sysfs names, and says so when there are none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fw-v4l2-'));
    try {
      await mkdir(join(dir, 'video0'));
      await writeFile(join(dir, 'video0', 'name'), 'HD Pro Webcam C920\n');
      // Its metadata node: no video formats, index 1 → not a camera.
      await mkdir(join(dir, 'video1'));
      await writeFile(join(dir, 'video1', 'name'), 'HD Pro Webcam C920\n');
      await writeFile(join(dir, 'video1', 'index'), '1\n');
      const cams = await listCameras({ platform: 'linux', sysfsDir: dir, devDir: '/nonexistent-dev' });
      expect(cams).toEqual([{ device: '/nonexistent-dev/video0', name: 'HD Pro Webcam C920', formats: [] }]);
      expect(formatCameraList([{ device: '/dev/video0', name: 'C920', formats: ['h264 1920x1080'] }], 'linux')).toMatch(/camera:\/dev\/video0\?format=h264/);
      expect(await listCameras({ platform: 'linux', sysfsDir: join(dir, 'missing') })).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // This machine has no camera: the real listing says so plainly.
    expect(await devicesReport()).toBe('no cameras found (looked in V4L2 (/dev/video*))');
  });
});
