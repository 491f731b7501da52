import { VitOptError } from '@vit-opt/graph';
import { describe, expect, it } from 'vitest';
import { ClassifierSession, type SessionSettings } from './classifier-session.js';

const root = new URL('../../../../', import.meta.url).pathname;
const model = `${root}fixtures/models/vit-tiny-hf/model.onnx`;
const on = (executionProvider: string): SessionSettings => ({
  executionProvider,
  intraOpThreads: 1,
  interOpThreads: 1,
  graphOptimizationLevel: 'all',
  spinning: false,
});

async function failure(modelPath: string, provider: string): Promise<VitOptError> {
  const error: unknown = await ClassifierSession.create(modelPath, on(provider)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VitOptError);
  return error as VitOptError;
}

describe('ClassifierSession execution providers', () => {
  it('runs on the CPU', async () => {
    const session = await ClassifierSession.create(model, on('cpu'));
    expect(session.inputShape.slice(1)).toEqual([3, 28, 28]);
    await session.release();
  });

  // This repository's .npmrc skips onnxruntime-node's CUDA download, so CUDA never starts here.
  it('names a provider that cannot start, and the ones on offer, in one line', async () => {
    const error = await failure(model, 'cuda');
    expect(error).toMatchObject({ code: 'UNSUPPORTED', subject: 'executionProvider' });
    expect(error.toOneLine()).not.toContain('\n');
    expect(error.message).toMatch(
      /^execution provider "cuda" is not available \(.+\); this onnxruntime-node has cpu\b/,
    );
    expect(error.message).toMatch(/; (.+, )?cuda\b.* need their libraries installed$/);
  });

  it('refuses a provider onnxruntime-node does not know before loading anything', async () => {
    const error = await failure(model, 'no-such-provider');
    expect(error.message).toMatch(
      /^execution provider "no-such-provider" is not available \(not in this onnxruntime-node\); .*\bcpu\b/,
    );
  });

  it('still blames a broken model file, not the provider', async () => {
    const error = await failure(`${root}fixtures/models/missing/model.onnx`, 'cuda');
    expect(error.code).toBe('FILE_NOT_FOUND');
  });
});
