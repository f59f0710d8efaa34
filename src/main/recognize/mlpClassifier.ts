// The from-scratch MLP behind the Classifier interface.
import { loadMlp, type LoadedMlp } from '../nn/serialise.ts'
import type { Mlp } from '../nn/mlp.ts'
import type { ModelCard } from '../../shared/modelManifest.ts'
import { NUM_CLASSES } from '../../shared/classes.ts'
import { decodeProbs, type Classifier, type Prediction } from './classifier.ts'

const CHUNK = 256

export class MlpClassifier implements Classifier {
  constructor(
    readonly name: string,
    readonly mlp: Mlp,
    readonly card: ModelCard = {}
  ) {
    if (mlp.classes !== NUM_CLASSES)
      throw new RangeError(`model ${name} has ${mlp.classes} outputs; Glyphdesk classifies into ${NUM_CLASSES} classes`)
  }

  static async load(dir: string, name = dir): Promise<MlpClassifier> {
    const loaded: LoadedMlp = await loadMlp(dir, { maxBatch: CHUNK })
    return new MlpClassifier(name, loaded.mlp, loaded.card)
  }

  async predict(glyphs: Float32Array, n: number): Promise<Prediction> {
    const d = this.mlp.inputDim
    if (glyphs.length < n * d) throw new RangeError(`predict: ${n} glyphs need ${n * d} values, got ${glyphs.length}`)
    const probs = new Float32Array(n * NUM_CLASSES)
    for (let s = 0; s < n; s += CHUNK) {
      const m = Math.min(CHUNK, n - s)
      probs.set(this.mlp.forward(glyphs.subarray(s * d, (s + m) * d), m).subarray(0, m * NUM_CLASSES), s * NUM_CLASSES)
    }
    return decodeProbs(probs, n)
  }
}
