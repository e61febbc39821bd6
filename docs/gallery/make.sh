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
# Every other figure kind (csto-sim plot --help lists them with the folder each is drawn from).
"$sim" sweep experiments/framing-by-value.yaml --out "$work/framing" --quiet
"$sim" plot "$work/framing" --kind curves --out "$work/framing-fig" >/dev/null
cp "$work/framing-fig/curves.png" "$out/curves-framing-by-value.png"
"$sim" sweep experiments/oat-kazakhstan.yaml --out "$work/oat" --quiet
"$sim" plot "$work/oat" --kind tornado --out "$work/oat-fig" >/dev/null
cp "$work/oat-fig/tornado.png" "$out/tornado-oat-kazakhstan.png"
"$sim" sweep experiments/sobol-kazakhstan.yaml --out "$work/sobol" --quiet
"$sim" plot "$work/sobol" --kind tornado --kind pdp --out "$work/sobol-fig" >/dev/null
cp "$work/sobol-fig/tornado.png" "$out/tornado-sobol-kazakhstan.png"
cp "$work/sobol-fig/pdp.png" "$out/pdp-sobol-kazakhstan.png"
"$sim" sweep experiments/discover-kyrgyzstan-2010-06.yaml --out "$work/discover" --quiet
"$sim" discover "$work/discover" --out "$work/discover-out" --plot "$work/discover-fig" >/dev/null
cp "$work/discover-fig/prim-boxes.png" "$out/prim-boxes-kyrgyzstan-2010-06.png"
cp "$work/discover-out/prim-trajectory.png" "$out/prim-trajectory-kyrgyzstan-2010-06.png"
# Sensitivity indices (Morris screening, conditioned on the framing) and the shipped posterior.
"$sim" sensitivity experiments/morris-kazakhstan.yaml --out "$work/morris" --quiet >/dev/null
cp "$work/morris/sensitivity.png" "$out/sensitivity-morris-kazakhstan.png"
"$sim" plot calibration --kind posterior --out "$work/posterior-fig" >/dev/null
cp "$work/posterior-fig/posterior.png" "$out/posterior.png"
# The out-of-sample validation: its page and its figure, in place (docs/validation.md, docs/validation.png).
"$sim" validate --report docs/validation.md --quiet >/dev/null
"$sim" explain kyrgyzstan-2010-06 --no-search --plot "$work/explain" >/dev/null
cp "$work/explain/waterfall.png" "$out/waterfall-kyrgyzstan-2010-06.png"
# A folder of runs, one per historical case, over the shipped posterior: the posterior-predictive check,
# the stance map, and the single-run figures of two of them.
for f in scenarios/historical/*.yaml; do
  "$sim" run "$f" --posterior --out "$work/cases/$(basename "$f" .yaml)" >/dev/null
done
"$sim" plot "$work/cases" --out "$work/cases-fig" >/dev/null
cp "$work/cases-fig/ppc.png" "$out/ppc-historical.png"
cp "$work/cases-fig/stances.png" "$out/stances-historical.png"
"$sim" plot "$work/cases/kazakhstan-2022" --kind days --kind troops --out "$work/kz-fig" >/dev/null
cp "$work/kz-fig/days.png" "$out/days-kazakhstan-2022.png"
cp "$work/kz-fig/troops.png" "$out/troops-kazakhstan-2022.png"
"$sim" plot "$work/cases/armenia-2021-05" --kind outcomes --kind objections --out "$work/am-fig" >/dev/null
cp "$work/am-fig/outcomes.png" "$out/outcomes-armenia-2021-05.png"
cp "$work/am-fig/objections.png" "$out/objections-armenia-2021-05.png"
echo "drew $(ls "$out"/*.png | wc -l) figures in $out, and docs/validation.md with its figure"
