/**
 * Image dimensions and thumbnails with sharp (libvips: fast, streaming, well kept; its prebuilt
 * Node-API addon loads under Deno). Dimensions come from the header before anything is decoded,
 * so an image bomb (huge dimensions in a few KiB) is refused without the memory it asks for;
 * `limitInputPixels` guards the decoder as well.
 */
import sharp from "sharp";

export interface ImageInfo {
  width: number;
  height: number;
}

export class ImageError extends Error {}

/** The displayed size (EXIF orientation applied) from the header only. */
export async function inspect(path: string, maxPixels: number): Promise<ImageInfo> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    throw new ImageError("the image cannot be read");
  }
  const { width, height } = meta;
  if (!width || !height) throw new ImageError("the image has no dimensions");
  const pageHeight = meta.pageHeight ?? height; // animations: one frame
  if (width * pageHeight > maxPixels) {
    throw new ImageError(`${width}×${height} is over the limit of ${maxPixels} pixels`);
  }
  const turned = (meta.orientation ?? 1) >= 5;
  return turned ? { width: pageHeight, height: width } : { width, height: pageHeight };
}

/** A WebP thumbnail whose longest side is at most `px` (never enlarged). */
export async function thumbnail(
  path: string,
  px: number,
  maxPixels: number,
): Promise<ImageInfo & { data: Uint8Array<ArrayBuffer> }> {
  try {
    const { data, info } = await sharp(path, { limitInputPixels: maxPixels, failOn: "error" })
      .rotate()
      .resize(px, px, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer({ resolveWithObject: true });
    return { data: Uint8Array.from(data), width: info.width, height: info.height };
  } catch {
    throw new ImageError("the image cannot be decoded");
  }
}
