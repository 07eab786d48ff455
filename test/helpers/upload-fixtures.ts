/** Files for the upload tests: real images made with sharp, and hostile ones made by hand. */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

export const png = (width = 40, height = 30): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: '#c33' } })
    .png()
    .toBuffer();

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A few hundred bytes of PNG declaring `side` × `side` pixels: a decompression bomb's header. */
export function bombPng(side = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A GIF header that is also JavaScript: `GIF89a=1;alert(1)//`. */
export const gifJsPolyglot = (): Buffer =>
  Buffer.concat([
    Buffer.from('GIF89a/*'),
    Buffer.from([0x0a, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00]),
    Buffer.from('*/=1;alert(document.domain);//'),
    Buffer.from([0x3b]),
  ]);

export const SVG_WITH_SCRIPT = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
);

export const HTML_PAGE = Buffer.from(
  '\n  <!DOCTYPE html><html><body><script>fetch("/api/v1/auth/me")</script></body></html>',
);
