/**
 * Dimensions and thumbnails of uploaded images with sharp (libvips). The header is read first:
 * an image declaring more than MAX_IMAGE_PIXELS is refused before anything is decoded (a
 * decompression bomb: a few KB of PNG declaring 100,000 × 100,000 pixels), and sharp itself is
 * given the same `limitInputPixels`. An image sharp cannot read keeps its sniffed type and gets
 * no dimensions and no thumbnail.
 */
import sharp, { type Metadata } from 'sharp';
import { SwitchboardError } from '../errors.js';

/** 40 megapixels: a 7,700 × 5,200 photo; decoding one costs about 160 MB at 4 bytes a pixel. */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** Thumbnails fit in this square, WebP. */
export const THUMB_SIZE = 320;

/** Types sharp is asked to read (the safe inline images). */
export const THUMBNAILED = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export interface ImageFacts {
  width: number;
  height: number;
  thumb: Buffer | null;
}

/**
 * Reads an image's dimensions and makes its thumbnail. `input` is the stored file (at most the
 * upload limit: sharp holds a streamed input whole while it decodes). Resolves null for bytes
 * sharp cannot read; rejects SB_ERR_UPLOAD_IMAGE_TOO_LARGE past MAX_IMAGE_PIXELS.
 */
export async function describeImage(input: AsyncIterable<Uint8Array>): Promise<ImageFacts | null> {
  const chunks: Uint8Array[] = [];
  for await (const c of input) chunks.push(c);
  const bytes = Buffer.concat(chunks);
  let meta: Metadata;
  try {
    // Only the header is read here (nothing decoded), so no pixel limit yet: the check below
    // tells a bomb from a broken file.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return null;
  }
  const { width, height } = meta;
  if (!width || !height) return null;
  if (width * height > MAX_IMAGE_PIXELS)
    throw new SwitchboardError(
      'SB_ERR_UPLOAD_IMAGE_TOO_LARGE',
      `${width} × ${height} pixels; at most ${MAX_IMAGE_PIXELS}`,
    );
  const thumb = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS })
    .rotate()
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 75 })
    .toBuffer()
    .catch(() => null);
  return { width, height, thumb };
}
