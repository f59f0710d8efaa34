#!/usr/bin/env bash
# The text the character language model (resources/lm/) is built from, and the word list the decoder's
# optional lexicon reads: Debian's bible-kjv-text (the King James Version, public domain) with its `bible`
# program, wordnet-base (WordNet 3.0's glosses, Princeton's permissive licence: resources/lm/WORDNET-LICENSE),
# and wamerican (/usr/share/dict/american-english, SCOWL's permissive licence).
# Only scripts/build-char-lm.ts needs the Bible and WordNet; the lexicon is used when the word list is there.
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
