// Minimal PNG writer/reader (8-bit RGB, no interlace) built on node:zlib and a hand-rolled CRC-32.
import { deflateSync, inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3, as used by PNG and zip). */
export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A solid-colour RGB PNG of width × height pixels. */
export function solidPng(width, height, [r, g, b]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace
  const row = Buffer.alloc(1 + width * 3); // leading filter byte 0 (None)
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Parses and validates a PNG written by solidPng (signature, chunk CRCs, IHDR first, IDAT, IEND last,
 *  pixel data length). Throws on any defect; returns { width, height, chunks, rgb } (rgb of pixel 0,0). */
export function parsePng(buf) {
  if (!Buffer.isBuffer(buf)) buf = Buffer.from(buf);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('bad PNG signature');
  const chunks = [];
  const idat = [];
  let ihdr = null;
  for (let pos = 8; pos < buf.length;) {
    if (pos + 12 > buf.length) throw new Error('truncated chunk');
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const end = pos + 8 + len;
    if (end + 4 > buf.length) throw new Error(`truncated ${type}`);
    if (crc32(buf.subarray(pos + 4, end)) !== buf.readUInt32BE(end)) throw new Error(`bad CRC in ${type}`);
    const data = buf.subarray(pos + 8, end);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    chunks.push(type);
    pos = end + 4;
  }
  if (chunks[0] !== 'IHDR' || !ihdr || ihdr.length !== 13) throw new Error('IHDR must come first');
  if (chunks.at(-1) !== 'IEND') throw new Error('IEND must come last');
  if (!idat.length) throw new Error('no IDAT');
  const width = ihdr.readUInt32BE(0), height = ihdr.readUInt32BE(4);
  if (ihdr[8] !== 8 || ihdr[9] !== 2) throw new Error('only 8-bit RGB is supported');
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (1 + width * 3)) throw new Error('pixel data has the wrong length');
  return { width, height, chunks, rgb: [raw[1], raw[2], raw[3]] };
}
