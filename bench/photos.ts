import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const SOURCE = 'fixtures/preprocess/images';
const SOURCE_PHOTOS = [
  'astronaut-400x400.jpg',
  'coffee-400x267.webp',
  'rocket-portrait-225x400.jpg',
  'motorcycle-wide-400x81.jpg',
  'chelsea-200x133.png',
];

/**
 * A folder of `count` JPEG photos (crops, flips and rescales of the committed test photos, 300–
 * 500 px) in ImageFolder layout with the ViT-B/16 model's label names, so benchmarks decode and
 * resize real photos. Made once, then reused.
 */
export async function benchPhotoFolder(count: number): Promise<string> {
  const root = `bench/data/photos-${count}`;
  if (existsSync(root) && readdirSync(root).length > 0) return root;
  for (let i = 0; i < count; i++) {
    const classDir = join(root, `LABEL_${i % 10}`);
    mkdirSync(classDir, { recursive: true });
    const source = join(SOURCE, SOURCE_PHOTOS[i % SOURCE_PHOTOS.length]!);
    const longSide = 300 + ((i * 37) % 200);
    let image = sharp(source).resize({ width: longSide, height: longSide, fit: 'inside' });
    if (i % 2 === 1) image = image.flop();
    await image
      .jpeg({ quality: 85 })
      .toFile(join(classDir, `photo-${String(i).padStart(4, '0')}.jpg`));
  }
  return root;
}
