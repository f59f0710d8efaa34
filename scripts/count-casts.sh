#!/usr/bin/env bash
# Used for issue 11's cast target: `bash scripts/count-casts.sh [REV]` prints as-casts and any in src/ (work tree or a git revision).
# Counts `as` casts (not `as const`, not import/export renames) and `any` in src/ of a git revision (default: the work tree).
rev="${1:-}"
if [ -n "$rev" ]; then files=$(git ls-tree -r --name-only "$rev" src | grep -E '\.(ts|vue)$'); cat_() { git show "$rev:$1"; }
else files=$(git ls-files src | grep -E '\.(ts|vue)$'); cat_() { cat "$1"; }; fi
casts=0; anys=0
for f in $files; do
  c=$(cat_ "$f" | grep -v '^\s*//' | grep -v '^\s*\*' | grep -v '^import\|^export {\|^export type {' | grep -oE "\bas (unknown|[A-Z][A-Za-z0-9_.<>\[\]|' ]*|\{|\(|string|number|boolean|Record|readonly|typeof|keyof)" | grep -vc "as const" )
  casts=$((casts + c))
  a=$(cat_ "$f" | grep -v '^\s*//' | grep -oE ":\s*any\b|<any>|as any\b|\bany\[\]|= any\b" | wc -l)
  anys=$((anys + a))
done
echo "as-casts=$casts any=$anys"
