#!/usr/bin/env bash
# Draws the README gallery from scratch: bash docs/gallery/make.sh (after the quick start's first command).
set -euo pipefail
cd "$(dirname "$0")/../.."
sim=".venv/bin/csto-sim"; [ -x "$sim" ] || sim="csto-sim"
out=docs/gallery
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# First, the central figure: when the CSTO approves the measure requested, with every case on it.
"$sim" sweep experiments/approval-map.yaml --out "$work/approval-map" --quiet
"$sim" plot "$work/approval-map" --kind approval-map --out "$work/map" >/dev/null
cp "$work/map/approval-map.png" "$out/approval-map.png"
"$sim" replay --plot "$work/replay" >/dev/null
"$sim" sweep experiments/rules-by-case.yaml --out "$work/rules" --quiet
"$sim" plot "$work/rules" --kind rules --out "$work/rules-fig" >/dev/null
"$sim" run kyrgyzstan-2010-06 --out "$work/kg" >/dev/null
"$sim" plot "$work/kg" --kind trace --out "$work/kg-fig" >/dev/null
cp "$work/replay/replay-outcomes.png" "$out/replay-outcomes.png"
cp "$work/rules-fig/rules.png" "$out/rules-by-case.png"
cp "$work/kg-fig/trace.png" "$out/trace-kyrgyzstan-2010-06.png"
echo "drew $out/approval-map.png replay-outcomes.png rules-by-case.png trace-kyrgyzstan-2010-06.png"
