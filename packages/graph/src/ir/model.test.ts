import { describe, expect, it } from 'vitest';
import { encodeModel } from '../io/encode.js';
import { HF, buildVit } from '../testing/vit-builder.js';

describe('Model.clone', () => {
  it('copies the whole model, and edits to the copy leave the original as it was', () => {
    const model = buildVit(HF);
    model.metadataProps.set('recipe', '{}');
    const before = encodeModel(model);
    const copy = model.clone();
    expect(encodeModel(copy)).toEqual(before);
    copy.graph.removeNode(copy.graph.nodes.at(-1)!, { keepOutputs: true });
    copy.metadataProps.set('recipe', 'changed');
    expect(encodeModel(model)).toEqual(before);
    expect(copy.graph.nodes.length).toBe(model.graph.nodes.length - 1);
  });

  it('keeps the list of unknown fields, which the original still refuses to encode', () => {
    const model = buildVit(HF);
    model.unknownFields = ['graph.node[0].future_field'];
    const copy = model.clone();
    expect(copy.unknownFields).toEqual(['graph.node[0].future_field']);
    expect(model.unknownFields).toEqual(['graph.node[0].future_field']);
    expect(() => encodeModel(copy)).toThrow();
  });
});
