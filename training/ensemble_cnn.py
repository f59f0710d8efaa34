#!/usr/bin/python3
# Joins trained GlyphCNNs (train_cnn.py --checkpoint files) into one ONNX model: logits averaged,
# embeddings concatenated. Evaluated and carded like train_cnn.py's exports. Used for cnn-best:
#   /usr/bin/python3 training/ensemble_cnn.py --member training/checkpoints/cnn-compact.pt \
#     --member training/checkpoints/cnn-wide.pt --data ../data/synth1000 \
#     --real ../shared/data/nist26/nist26_valid_dev.mat --real-per-class 20 --unseen ../data/unseen.mat \
#     --out resources/models/cnn-best --checkpoint training/checkpoints/cnn-best.pt
import argparse
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cnn import (OPSET, Ensemble, describe, held_out_metrics, load_checkpoint, onnx_manifest, portable,  # noqa: E402
                       portable_command, predict, read_split, score)
import torch  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--member', action='append', required=True, help='a train_cnn.py --checkpoint file (repeat)')
p.add_argument('--member-card', action='append', default=[], help="the member's model.json, for provenance (same order)")
p.add_argument('--data', required=True)
p.add_argument('--real')
p.add_argument('--real-per-class', type=int, default=20)
p.add_argument('--unseen')
p.add_argument('--real2-eval', help='held-out real digits (e.g. mnist_test.mat), evaluation only')
p.add_argument('--out', required=True)
p.add_argument('--checkpoint')
p.add_argument('--threads', type=int, default=1)
args = p.parse_args()
torch.set_num_threads(args.threads)
t0 = time.time()
name = os.path.basename(os.path.normpath(args.out))

members = [load_checkpoint(m) for m in args.member]
model = Ensemble(members).eval()
params = sum(q.numel() for q in model.parameters())
xva, yva = read_split(args.data, 'valid')
xte, yte = read_split(args.data, 'test')
metrics = {'valid': score(yva, predict(model, xva)), 'test': score(yte, predict(model, xte))}
del metrics['valid']['confusion']
held_out_metrics(metrics, model, args.real, args.real_per_class, args.unseen, args.real2_eval)
for k in ('valid', 'test', 'evalData', 'unseen', 'realDigits'):
    if k in metrics:
        print(f'{k}: {metrics[k]["accuracy"]:.4f} of {metrics[k]["n"]}, look-alike share {metrics[k]["lookalikeShareOfErrors"]:.2f}', flush=True)

os.makedirs(args.out, exist_ok=True)
onnx_path = os.path.join(args.out, 'model.onnx')
torch.onnx.export(model, torch.ones(1, 1, 32, 32), onnx_path, input_names=['glyphs'], output_names=['logits', 'embedding'],
                  dynamic_axes={'glyphs': {0: 'n'}, 'logits': {0: 'n'}, 'embedding': {0: 'n'}}, opset_version=OPSET, do_constant_folding=True)
if args.checkpoint:
    torch.save({'members': [torch.load(m) for m in args.member]}, args.checkpoint)
member_cards = [json.load(open(c)) for c in args.member_card]
extra = next((c['card']['data'].get('extraTrain') for c in member_cards if c['card']['data'].get('extraTrain')), None)
data = dict(member_cards[0]['card']['data']) if member_cards else {'dir': portable(args.data)}
data['extraTrain'] = extra
onnx_bytes = open(onnx_path, 'rb').read()
manifest = onnx_manifest(name, onnx_bytes, model.embed_dim, {
        'name': name, 'kind': 'cnn', 'created': datetime.datetime.now(datetime.timezone.utc).isoformat(),
        'architecture': f'ensemble of {len(members)} CNNs, logits averaged, embeddings concatenated: ' +
                        ' ‖ '.join(f'[{describe(m)}]' for m in members),
        'parameters': params, 'torch': torch.__version__,
        'seed': [c['card'].get('seed') for c in member_cards],
        'command': portable_command('ensemble_cnn.py', sys.argv[1:]),
        'members': [{'name': c['card']['name'], 'command': c['card']['command'], 'init': c['card'].get('init'), 'parameters': c['card']['parameters'],
                     'trainingSeconds': c['card'].get('trainingSeconds'), 'curves': c['card'].get('curves')} for c in member_cards],
        'data': data, 'augmentation': member_cards[0]['card'].get('augmentation') if member_cards else None,
        'metrics': metrics,
    })
with open(os.path.join(args.out, 'model.json'), 'w') as f:
    json.dump(manifest, f, indent=1)
    f.write('\n')
print(f'wrote {onnx_path} ({len(onnx_bytes)} bytes) and model.json in {time.time() - t0:.0f} s')
