#!/usr/bin/env python3
# Makes the 8-bit copy of a Glyphdesk ONNX model (model.int8.onnx) that onnxClassifier.ts reads instead of the float
# network when GLYPHDESK_PRECISION=int8, and records it in the card's "quantized" block: file, SHA-256, the float
# file it was made from, the calibration glyphs, the versions, and how often the two agree. Static quantisation in
# onnxruntime's QDQ format: weights int8 per output channel, activations uint8 with ranges from the min/max over
# calibration glyphs (a seeded sample of the valid split of a NIST36-layout set, never its test split).
# Run in the environment of training/install-quantize.sh:
#   training/.venv-quantize/bin/python training/quantize_onnx.py --model resources/models/cnn-best --calib ../data/synth1000 --in-place
import argparse
import datetime
import hashlib
import json
import os
import sys
import tempfile

import numpy as np

try:
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
except ImportError as e:  # pragma: no cover - environment check
    sys.exit(f'quantize_onnx.py needs onnxruntime and onnx ({e}); run `bash training/install-quantize.sh` and use '
             'training/.venv-quantize/bin/python')

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cnn import code_version, machine, portable, portable_command, read_split, sha256_file  # noqa: E402

OUT_FILE = 'model.int8.onnx'


def session(path_or_bytes):
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.inter_op_num_threads = 1
    return ort.InferenceSession(path_or_bytes, o, providers=['CPUExecutionProvider'])


def logits(sess, x, batch=512):
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(['logits'], {name: x[i:i + batch]})[0] for i in range(0, len(x), batch)])


def main():
    p = argparse.ArgumentParser(description='8-bit copy of a Glyphdesk ONNX model')
    p.add_argument('--model', required=True, help='model directory (model.json + its modelFile)')
    p.add_argument('--calib', required=True, help='NIST36-layout glyph set; its valid split gives the calibration glyphs')
    p.add_argument('--n', type=int, default=1000, help='calibration glyphs (default 1000)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--in-place', action='store_true', help='write model.int8.onnx and the card block into --model')
    args = p.parse_args()

    card_file = os.path.join(args.model, 'model.json')
    card = json.load(open(card_file))
    inp = card['input']
    if (inp.get('size'), inp.get('channels', 1), inp.get('background', 1), inp.get('ink', 0), inp.get('normalise')) != (32, 1, 1, 0, None):
        sys.exit(f'{card_file}: only Glyphdesk-format inputs (32×32, 1 channel, paper 1, ink 0) are supported')
    src = os.path.join(args.model, card['modelFile'])
    src_sha = sha256_file(src)
    if card.get('modelSha256') and card['modelSha256'] != src_sha:
        sys.exit(f'{src}: SHA-256 differs from the card')

    x_valid, y_valid = read_split(args.calib, 'valid')
    rng = np.random.default_rng(args.seed)
    idx = np.sort(rng.choice(len(x_valid), size=min(args.n, len(x_valid)), replace=False))
    calib = x_valid[idx].reshape(-1, 1, 32, 32).astype(np.float32)
    in_name = onnx.load(src).graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.i = 0

        def get_next(self):
            if self.i >= len(calib):
                return None
            b = calib[self.i:self.i + 100]
            self.i += 100
            return {in_name: b}

    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, 'pre.onnx')
        out = os.path.join(tmp, OUT_FILE)
        quant_pre_process(src, pre)
        quantize_static(pre, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax, op_types_to_quantize=['Conv', 'MatMul', 'Gemm'])
        q_bytes = open(out, 'rb').read()

    # How often the 8-bit copy gives the float network's answer, on the whole valid split (raw logits, no offsets).
    x_all = x_valid.reshape(-1, 1, 32, 32).astype(np.float32)
    lf = logits(session(src), x_all)
    lq = logits(session(q_bytes), x_all)
    agree = float((lf.argmax(1) == lq.argmax(1)).mean())
    block = {
        'modelFile': OUT_FILE,
        'modelBytes': len(q_bytes),
        'modelSha256': hashlib.sha256(q_bytes).hexdigest(),
        'sourceSha256': src_sha,
        'method': 'onnxruntime quantize_static, QDQ; weights int8 per channel, activations uint8, MinMax ranges; Conv, MatMul, Gemm',
        'command': portable_command('quantize_onnx.py', sys.argv[1:]).replace('/usr/bin/python3', 'training/.venv-quantize/bin/python'),
        'calibration': {'data': portable(args.calib), 'split': 'valid', 'file': portable(os.path.join(args.calib, [f for f in os.listdir(args.calib) if f.endswith('_valid.mat')][0])),
                        'fileSha256': sha256_file(os.path.join(args.calib, [f for f in os.listdir(args.calib) if f.endswith('_valid.mat')][0])),
                        'n': int(len(idx)), 'seed': args.seed},
        'check': {'validGlyphs': int(len(x_all)), 'argmaxAgreement': round(agree, 5),
                  'validAccuracyFloat': round(float((lf.argmax(1) == y_valid).mean()), 5),
                  'validAccuracy8bit': round(float((lq.argmax(1) == y_valid).mean()), 5),
                  'maxAbsLogitDiff': round(float(np.abs(lf - lq).max()), 4)},
        'versions': {'onnxruntime': ort.__version__, 'onnx': onnx.__version__, 'numpy': np.__version__},
        'code': code_version(),
        'machine': machine(),
        'date': datetime.date.today().isoformat(),
    }
    print(json.dumps(block, indent=1))
    if args.in_place:
        with open(os.path.join(args.model, OUT_FILE), 'wb') as f:
            f.write(q_bytes)
        card['quantized'] = block
        tmp = card_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write(json.dumps(card, indent=1, ensure_ascii=False) + '\n')
        os.replace(tmp, card_file)
        print(f'wrote {os.path.join(args.model, OUT_FILE)} and the "quantized" block of {card_file}')


if __name__ == '__main__':
    main()
