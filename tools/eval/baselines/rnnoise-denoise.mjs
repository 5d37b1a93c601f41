// rnnoise-denoise: xiph's RNNoise (the 0.2 model, compiled to WebAssembly by
// @jitsi/rnnoise-wasm) over a WAV file, as a baseline for tools/eval/ssm-eval.
//
//   node rnnoise-denoise.mjs IN.wav OUT.wav
//
// IN must be mono at 48 kHz (16-bit PCM, 24/32-bit PCM or 32-bit float).
// RNNoise works on 480-sample frames of 16-bit-scaled floats. Its output
// lags the input (tools/eval/ssm-eval measures 960 samples, 20 ms, for this
// build); the output keeps the input's length and that lag, uncorrected.
// The last partial frame is zero-padded.
import { readFileSync, writeFileSync } from 'node:fs';
import createRNNWasmModuleSync from '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js';

const FRAME = 480;

function die(msg) {
  process.stderr.write(`rnnoise-denoise: ${msg}\n`);
  process.exit(1);
}

// Returns { rate, channels, format: 1 (PCM) | 3 (float), bits, samples: Float32Array in [-1, 1) }.
function readWav(path) {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE')
    die(`${path}: not a RIFF/WAVE file`);
  let fmt = null;
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      let format = b.readUInt16LE(body);
      if (format === 0xfffe) format = b.readUInt16LE(body + 24); // extensible: sub-format GUID
      fmt = { format, channels: b.readUInt16LE(body + 2), rate: b.readUInt32LE(body + 4),
              bits: b.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) die(`${path}: data chunk before fmt chunk`);
      const bytes = fmt.bits / 8;
      const n = Math.floor(Math.min(size, b.length - body) / bytes / fmt.channels);
      const s = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const p = body + i * bytes * fmt.channels;
        if (fmt.format === 3 && fmt.bits === 32) s[i] = b.readFloatLE(p);
        else if (fmt.format === 1 && fmt.bits === 16) s[i] = b.readInt16LE(p) / 32768;
        else if (fmt.format === 1 && fmt.bits === 24) s[i] = b.readIntLE(p, 3) / 8388608;
        else if (fmt.format === 1 && fmt.bits === 32) s[i] = b.readInt32LE(p) / 2147483648;
        else die(`${path}: unsupported sample format ${fmt.format}/${fmt.bits} bits`);
      }
      return { ...fmt, samples: s };
    }
    off = body + size + (size & 1);
  }
  die(`${path}: no data chunk`);
}

function writeWav(path, rate, samples, float) {
  const bytes = float ? 4 : 2;
  const b = Buffer.alloc(44 + samples.length * bytes);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + samples.length * bytes, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(float ? 3 : 1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * bytes, 28);
  b.writeUInt16LE(bytes, 32);
  b.writeUInt16LE(bytes * 8, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(samples.length * bytes, 40);
  for (let i = 0; i < samples.length; i++) {
    if (float) b.writeFloatLE(samples[i], 44 + 4 * i);
    else b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), 44 + 2 * i);
  }
  writeFileSync(path, b);
}

if (process.argv.length !== 4) die('usage: node rnnoise-denoise.mjs IN.wav OUT.wav   (mono, 48 kHz)');
const [inPath, outPath] = process.argv.slice(2);
const wav = readWav(inPath);
if (wav.channels !== 1 || wav.rate !== 48000) die(`${inPath}: want mono at 48000 Hz`);

const m = createRNNWasmModuleSync();
const st = m._rnnoise_create();
const ptr = m._malloc(FRAME * 4);
const x = wav.samples;
const y = new Float32Array(x.length);
for (let at = 0; at < x.length; at += FRAME) {
  const n = Math.min(FRAME, x.length - at);
  const heap = m.HEAPF32.subarray(ptr / 4, ptr / 4 + FRAME); // re-read: the heap may grow
  heap.fill(0);
  for (let i = 0; i < n; i++) heap[i] = x[at + i] * 32768;
  m._rnnoise_process_frame(st, ptr, ptr);
  const out = m.HEAPF32.subarray(ptr / 4, ptr / 4 + FRAME);
  for (let i = 0; i < n; i++) y[at + i] = out[i] / 32768;
}
m._free(ptr);
m._rnnoise_destroy(st);
writeWav(outPath, 48000, y, wav.format === 3);
