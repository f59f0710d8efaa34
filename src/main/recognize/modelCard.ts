// The model card of an ONNX model directory (model.json next to model.onnx): what the network
// expects as input, which outputs are logits and embedding, and which labels the logits stand for.
// Glyphdesk's own CNNs (training/train_cnn.py) and bring-your-own ONNX classifiers share this format;
// its schema is src/shared/modelManifest.ts and it is read through core/modelManifest.ts.
import { ModelCardError, readManifestOf } from '../core/modelManifest.ts'
import { InvalidInputError } from '../core/errors.ts'
import { ONNX_FORMAT, type OnnxInputSpec, type OnnxManifest } from '../../shared/modelManifest.ts'

export { ModelCardError, ONNX_FORMAT, type OnnxInputSpec }
export type OnnxModelCard = OnnxManifest

/** Base of every error that stops an ONNX model from running once its card is read; the message says what to fix. */
export class OnnxModelError extends InvalidInputError {
  override name = 'OnnxModelError'
}
/** The card and the ONNX graph disagree (input shape, channels, output names, label count). */
export class ModelMismatchError extends OnnxModelError {
  override name = 'ModelMismatchError'
}
/** The .onnx file is missing, damaged or not what the card's checksum says. */
export class CorruptModelError extends OnnxModelError {
  override name = 'CorruptModelError'
}
/** The network produced NaN or ±Infinity. */
export class NonFiniteOutputError extends OnnxModelError {
  override name = 'NonFiniteOutputError'
}

/** Reads and checks model.json of an ONNX model directory; never returns a half-valid card. */
export function readOnnxModelCard(dir: string): OnnxModelCard {
  return readManifestOf(dir, ONNX_FORMAT, 'an ONNX model (format "glyphdesk-onnx")')
}
