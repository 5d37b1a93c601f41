#!/usr/bin/env bash
# render-shard.sh K N IN OUT [ssm-render options...]
#
# Shard K of N of a batch over a folder tree: in every folder under IN,
# ssm-render renders the audio files whose position in the folder's sorted
# list is K, K+N, K+2N, ... (ssm-render --shard K/N) into the same folder
# under OUT. N jobs started with K = 0..N-1 (a Slurm array, GNU parallel,
# anything) render every file exactly once, without talking to each other,
# and x.wav in two folders cannot collide. A job that failed is rerun with
# its own K and redoes only its own files. README.md, "On a cluster", shows
# the Slurm and GNU parallel recipes that use it.
#
# Example: render-shard.sh 3 16 corpus cleaned -j 8 -p http://ssmaudio.org/plugins/denoise
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: render-shard.sh K N IN OUT [ssm-render options...]" >&2
  exit 2
fi
k=$1 n=$2 in=${3%/} out=${4%/}
shift 4
[ -d "$in" ] || { echo "render-shard.sh: $in is not a folder" >&2; exit 2; }
render=${SSM_RENDER:-ssm-render}
export LC_ALL=C # every job must sort the same way, whatever its node's locale
status=0
while IFS= read -r -d '' dir; do
  files=()
  while IFS= read -r -d '' f; do
    files+=("$f")
  done < <(find "$dir" -mindepth 1 -maxdepth 1 -type f \
             \( -iname '*.wav' -o -iname '*.flac' -o -iname '*.ogg' -o -iname '*.aiff' \) \
             -print0 | sort -z)
  [ ${#files[@]} -gt 0 ] || continue
  rel=${dir#"$in"}
  mkdir -p "$out$rel"
  # ssm-render exits 1 when some file failed: note it, go on with the rest.
  "$render" --shard "$k/$n" "$@" "${files[@]}" -o "$out$rel" || status=1
done < <(find "$in" -type d -print0 | sort -z)
exit $status
