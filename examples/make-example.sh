#!/usr/bin/env bash
# How examples/noisy-speech.wav was made (committed, so nothing here runs in
# CI): espeak-ng speaks a sentence, sox resamples it to 48 kHz mono and mixes
# in pink noise plus a low 50 Hz hum at about 5 dB SNR. Deterministic apart
# from sox's noise generator seed (fixed with -R).
set -euo pipefail
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
espeak-ng -v en-us -s 150 -w "$t/speech.wav" \
  "State space models run sample by sample when live, and as fast convolutions offline."
sox -R "$t/speech.wav" -r 48000 -c 1 -b 16 "$t/clean.wav" rate -v pad 0.3 0.4 norm -3
len=$(soxi -D "$t/clean.wav")
sox -R -n -r 48000 -c 1 -b 16 "$t/noise.wav" synth "$len" pinknoise synth "$len" sine mix 50 \
  gain -16
sox -R -m "$t/clean.wav" "$t/noise.wav" -b 16 noisy-speech.wav norm -1
sox -R "$t/clean.wav" clean-speech.wav
soxi noisy-speech.wav
