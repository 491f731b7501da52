import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode.js';

// The committed Pillow vectors cover real files of every kind (JPEG, WebP, palette, CMYK,
// 16-bit, EXIF-rotated); these pin each conversion rule on images small enough to read.

function encodeRaw(pixels: number[], width: number, channels: 1 | 2 | 3 | 4): Sharp {
  const height = pixels.length / channels / width;
  return sharp(Uint8Array.from(pixels), { raw: { width, height, channels } });
}

describe('decodeImage', () => {
  it('replicates grayscale into R, G and B', async () => {
    const png = await encodeRaw([10, 200], 2, 1).png().toBuffer();
    const image = await decodeImage(png, 'gray.png');
    expect([...image.data]).toEqual([10, 10, 10, 200, 200, 200]);
  });

  it("drops alpha without compositing, like Pillow's convert('RGB')", async () => {
    const rgba = await encodeRaw([200, 100, 50, 0, 1, 2, 3, 128], 2, 4).png().toBuffer();
    expect([...(await decodeImage(rgba, 'rgba.png')).data]).toEqual([200, 100, 50, 1, 2, 3]);
    const grayAlpha = await encodeRaw([90, 0, 30, 255], 2, 2).png().toBuffer();
    expect([...(await decodeImage(grayAlpha, 'la.png')).data]).toEqual([90, 90, 90, 30, 30, 30]);
  });

  it('clips 16-bit grayscale to 255, as Pillow converts I;16 to RGB', async () => {
    const samples = Uint16Array.of(40, 255, 256, 65535);
    const png = await sharp(samples, { raw: { width: 4, height: 1, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    const image = await decodeImage(png, 'gray16.png');
    expect([...image.data]).toEqual([40, 40, 40, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
  });

  it('keeps the high byte of 16-bit colour', async () => {
    const samples = Uint16Array.of(0x12ff, 0x8001, 0xffff);
    const png = await sharp(samples, { raw: { width: 1, height: 1, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect([...(await decodeImage(png, 'rgb16.png')).data]).toEqual([0x12, 0x80, 0xff]);
  });

  it('does not apply EXIF orientation (neither does Pillow)', async () => {
    const jpeg = await encodeRaw(new Array(40 * 20 * 3).fill(128), 40, 3)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const image = await decodeImage(jpeg, 'rotated.jpg');
    expect([image.width, image.height]).toEqual([40, 20]);
  });

  it('reports bytes that are not an image as CORRUPT, naming the file', async () => {
    await expect(
      decodeImage(new TextEncoder().encode('not an image'), 'notes.jpg'),
    ).rejects.toMatchObject({
      code: 'CORRUPT',
      subject: 'notes.jpg',
      message: expect.stringMatching(/^cannot decode image: /),
    });
  });

  it('fails on a truncated JPEG, as Pillow does', async () => {
    const jpeg = await encodeRaw(
      new Array(64 * 64 * 3).fill(0).map((_, i) => i % 251),
      64,
      3,
    )
      .jpeg()
      .toBuffer();
    await expect(decodeImage(jpeg.subarray(0, jpeg.length / 2), 'cut.jpg')).rejects.toMatchObject({
      code: 'CORRUPT',
    });
  });
});
