#!/usr/bin/env bash
# The bundled SmolLM2-135M dumps: generate (resumable: rerun this script after a kill), then label.
# Run alone on the machine (torch uses every core); the log gives each step's time.
set -euo pipefail
cd "$(dirname "$0")/.."
RK=${RK:-.venv/bin/rankkit}
OUT=${OUT:-out/gen}
mkdir -p "$OUT"
step() {  # name, then the generate flags
    local name=$1; shift
    if [ ! -e "$OUT/$name.json.gz" ]; then
        local t0=$(date +%s)
        $RK generate --model smollm2-135m --prompt-style chat --seed 0 "$@" -o "$OUT/$name.json.gz" --resume
        echo "$name: generated in $(( $(date +%s) - t0 )) s" >> "$OUT/times.log"
    fi
    if [ ! -e "$OUT/$name.labelled.json.gz" ]; then
        local t0=$(date +%s)
        $RK execute "$OUT/$name.json.gz" --benchmark "${name%%_*}" --quiet
        echo "$name: labelled in $(( $(date +%s) - t0 )) s" >> "$OUT/times.log"
    fi
}
step humaneval_smollm2-135m_greedy --benchmark humaneval --greedy
step mbpp_smollm2-135m_greedy --benchmark mbpp --split test --greedy
step humaneval_smollm2-135m --benchmark humaneval --n 10 --max-batch-tokens 40000
step mbpp_smollm2-135m --benchmark mbpp --split test --n 5 --max-batch-tokens 40000
echo "all done" >> "$OUT/times.log"
