#!/usr/bin/env bash
# The text the character language model (resources/lm/) is built from, and the word list the shipped lexicon
# is built from: Debian's bible-kjv-text (the King James Version, public domain) with its `bible` program,
# wordnet-base (WordNet 3.0's glosses, Princeton's permissive licence: resources/lm/WORDNET-LICENSE), and wamerican
# (/usr/share/dict/american-english, SCOWL's permissive licence: resources/lm/WAMERICAN-LICENSE).
# Only scripts/build-char-lm.ts and scripts/build-lexicon.ts need them; reading pages uses what resources/lm ships.
# The tests compare the shipped word list with wamerican's.
set -euo pipefail
missing=()
command -v bible >/dev/null || missing+=(bible-kjv bible-kjv-text)
[ -f /usr/share/wordnet/data.noun ] || missing+=(wordnet-base)
[ -f /usr/share/dict/american-english ] || missing+=(wamerican)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "install-lm-corpus: installing ${missing[*]} from Debian" >&2
  (apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null)
else
  echo "install-lm-corpus: install ${missing[*]} (Debian) for the language model's corpus and lexicon" >&2
fi
