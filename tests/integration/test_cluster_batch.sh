#!/usr/bin/env bash
# Batch rendering on a real cluster (issue 11): the README's Slurm array
# recipe and its GNU parallel recipe, run as written (the test takes them
# out of README.md) over a small corpus tree, on a single-node Slurm
# (Debian's slurm-wlm: slurmctld and slurmd on localhost, munge for
# authentication) that this test brings up and takes down itself.
#
# Checks, for each recipe: every input has its output at the mirrored path
# under cleaned/, rendered exactly once (the recipe runs ssm-render -v, so
# each render logs its output path once) and equal to a plain ssm-render of
# that one file; nothing else is written (no flat copies, no temporary
# files); more than one task did work; the recipe's exit status is 0.
#
# Usage: test_cluster_batch.sh SSM_RENDER AUDIO_COMPARE README REPO_ROOT CLIP
set -u
render=$1 compare=$2 readme=$3 repo=$4 clip=$5
for tool in munged mungekey slurmctld slurmd sbatch sinfo parallel sox; do
  command -v "$tool" > /dev/null || { echo "FAIL $tool is not installed (tools/debian-packages.txt)"; exit 1; }
done
t=$(mktemp -d /tmp/ssm-cluster.XXXXXX)
chmod 711 "$t" # munged wants every directory above its socket searchable
daemons=()     # PIDs, in start order
cleanup() {
  local i
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    kill "${daemons[i]}" 2> /dev/null && wait "${daemons[i]}" 2> /dev/null
  done
  rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# block MARKER: the fenced code block after the README line holding MARKER.
block() {
  awk -v m="$1" 'index($0, m) { f = 1; next } f == 1 && /^```/ { f = 2; next }
                 f == 2 && /^```/ { exit } f == 2 { print }' "$readme"
}

# The corpus tree: the same names in different folders (a/take1.wav and
# b/take1.wav must not collide), a nested folder, a folder with a space,
# an empty folder, mono and stereo, 48 and 44.1 kHz, WAV and FLAC.
work=$t/work
mkdir -p "$work/corpus/a" "$work/corpus/b/deep/er" "$work/corpus/with space" "$work/corpus/empty"
ln -s "$repo/examples" "$work/examples"
sox "$clip" -b 16 "$t/src.wav" trim 0 3 || exit 1
cut() { sox "$t/src.wav" "$work/corpus/$1" trim "$2" 0.25 "${@:3}" || exit 1; }
cut a/take1.wav 0.0
cut a/take2.wav 0.3
cut a/take3.wav 0.6
cut a/take4.flac 0.9
cut b/take1.wav 1.2
cut b/take2.wav 1.5 remix 1 1
cut b/deep/er/take1.wav 1.8 rate 44100
cut "with space/take 1.wav" 2.1
cut "with space/take2.wav" 2.4
cut top.wav 2.7
inputs=$(cd "$work/corpus" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
n_in=$(echo "$inputs" | wc -l)

# What each output must be: ssm-render of that file alone.
uri=http://ssmaudio.org/plugins/denoise
while IFS= read -r f; do
  mkdir -p "$t/ref/$(dirname "$f")"
  "$render" -q -j 1 -p "$uri" "$work/corpus/$f" -o "$t/ref/$f" 2> /dev/null ||
    { echo "FAIL reference render of $f"; exit 1; }
done <<< "$inputs"

# check_outputs LABEL LOG...: the outputs under work/cleaned against the
# inputs, the references and the render logs.
check_outputs() {
  local label=$1 f n outs logs
  shift
  outs=$(cd "$work/cleaned" 2> /dev/null && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
  if [ "$outs" != "$inputs" ]; then
    fail "$label: the outputs are not the inputs' tree"
    diff <(echo "$inputs") <(echo "$outs") | head -20
  fi
  logs=$(cat "$@" | sed -n 's|^ok   cleaned/||p' | sed 's| -> .*||; s|//*|/|g')
  while IFS= read -r f; do
    n=$(grep -cxF "$f" <<< "$logs")
    [ "$n" -eq 1 ] || fail "$label: $f rendered $n times (want once)"
    [ -f "$work/cleaned/$f" ] &&
      { "$compare" "$work/cleaned/$f" "$t/ref/$f" 1 0 0 > /dev/null ||
        fail "$label: cleaned/$f differs from ssm-render of that file alone"; }
  done <<< "$inputs"
  n=$(wc -l <<< "$logs")
  [ "$n" -eq "$n_in" ] || fail "$label: $n renders logged for $n_in inputs"
}

# The tools as a user has them: ssm-render on PATH.
mkdir -p "$t/bin"
ln -s "$(cd "$(dirname "$render")" && pwd)/$(basename "$render")" "$t/bin/ssm-render"
export PATH=$t/bin:$PATH
export HOME=$t/home
mkdir -p "$HOME"

# --- Slurm ---------------------------------------------------------------
free_port() { # a TCP port nobody listens on, from $1 up
  local p=$1
  while (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || ss -Htln "sport = :$p" | grep -q .; do
    p=$((p + 1))
  done
  echo $p
}
s=$t/slurm
mkdir -p "$s/munge" "$s/sock" "$s/state" "$s/spool" "$s/log"
chmod 700 "$s/munge"
chmod 755 "$s" "$s/sock"
mungekey -c -k "$s/munge/munge.key" || exit 1
munged -F --socket="$s/sock/munge.socket" --key-file="$s/munge/munge.key" \
  --log-file="$s/log/munged.log" --pid-file="$s/munge/munged.pid" \
  --seed-file="$s/munge/munged.seed" > "$s/log/munged.out" 2>&1 &
daemons+=($!)
ctld_port=$(free_port 26817)
d_port=$(free_port $((ctld_port + 1)))
host=$(hostname -s)
# 128 CPUs on the node whatever the machine has (config_overrides), so the
# README's 16 tasks of --cpus-per-task=8 run as written, all at once.
cat > "$s/slurm.conf" << EOF
ClusterName=ssmtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$s/sock/munge.socket
CredType=cred/munge
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/log/slurmctld.log
SlurmdLogFile=$s/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=ssmnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=128 State=UNKNOWN
PartitionName=batch Nodes=ssmnode Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$s/slurm.conf
for i in $(seq 50); do [ -S "$s/sock/munge.socket" ] && break; sleep 0.1; done
munge -S "$s/sock/munge.socket" -n | unmunge -S "$s/sock/munge.socket" > /dev/null ||
  { fail "munged does not answer"; cat "$s/log/munged.out"; exit 1; }
slurmctld -D -i > "$s/log/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -N ssmnode > "$s/log/slurmd.out" 2>&1 &
daemons+=($!)
up=0
for i in $(seq 150); do
  sinfo -h -n ssmnode -o %t 2> /dev/null | grep -qx idle && { up=1; break; }
  sleep 0.2
done
if [ "$up" -eq 1 ]; then
  echo "slurm: $(sinfo -h -o '%P %a %D nodes %t, %c CPUs' | head -1)"
  block "test_cluster_batch.sh: slurm" > "$t/slurm-recipe.sh"
  grep -q sbatch "$t/slurm-recipe.sh" || fail "no Slurm recipe in $readme"
  start=$(date +%s%N)
  (cd "$work" && timeout 300 bash -e "$t/slurm-recipe.sh") > "$t/slurm-submit.log" 2>&1
  rc=$?
  took=$((($(date +%s%N) - start) / 1000000)) # ms
  cat "$t/slurm-submit.log"
  [ "$rc" -eq 0 ] || { fail "the Slurm recipe exited $rc"; tail -n 20 "$s/log/slurmctld.log"; }
  tasks=$(ls "$work"/slurm-*_*.out 2> /dev/null | wc -l)
  busy=$(grep -l '^ok ' "$work"/slurm-*_*.out 2> /dev/null | wc -l)
  echo "slurm: $tasks array task logs, $busy tasks rendered files, $((took / 1000)).$((took % 1000 / 100)) s for the array job"
  [ "$tasks" -eq 16 ] || fail "slurm: $tasks task logs, the recipe asks for 16 tasks"
  [ "$busy" -ge 2 ] || fail "slurm: the work was not spread over tasks"
  check_outputs slurm "$work"/slurm-*_*.out
  # The README's rerun of one task: lose task 1's outputs, run it alone;
  # exactly those come back, equal, and nothing else is rendered again.
  lost=$(sed -n 's|^ok   cleaned/||p' "$work"/slurm-*_1.out | sed 's| -> .*||; s|//*|/|g' | LC_ALL=C sort)
  if [ -z "$lost" ]; then
    fail "slurm: task 1 rendered nothing, so its rerun shows nothing"
  else
    mkdir -p "$t/first"
    mv "$work"/slurm-*_*.out "$t/first/"
    while IFS= read -r f; do rm "$work/cleaned/$f"; done <<< "$lost"
    (cd "$work" && timeout 120 sbatch --wait --array=1 denoise.sbatch) > "$t/rerun.log" 2>&1 ||
      { fail "slurm: sbatch --wait --array=1 denoise.sbatch"; cat "$t/rerun.log"; }
    again=$(cat "$work"/slurm-*_1.out 2> /dev/null | sed -n 's|^ok   cleaned/||p' |
      sed 's| -> .*||; s|//*|/|g' | LC_ALL=C sort)
    [ "$again" = "$lost" ] || fail "slurm: the rerun of task 1 rendered [$again], not [$lost]"
    while IFS= read -r f; do
      "$compare" "$work/cleaned/$f" "$t/ref/$f" 1 0 0 > /dev/null ||
        fail "slurm: after the rerun, cleaned/$f is not its render"
    done <<< "$lost"
    echo "slurm: task 1 rerun alone rendered its $(wc -l <<< "$lost") files again, nothing else"
  fi
else
  fail "the Slurm node did not come up"
  tail -n 20 "$s/log/slurmctld.out" "$s/log/slurmd.out"
fi

# --- GNU parallel --------------------------------------------------------
rm -rf "$work/cleaned"
block "test_cluster_batch.sh: parallel" > "$t/parallel-recipe.sh"
grep -q parallel "$t/parallel-recipe.sh" || fail "no GNU parallel recipe in $readme"
start=$(date +%s%N)
(cd "$work" && timeout 300 bash -e "$t/parallel-recipe.sh") > "$t/parallel.log" 2>&1
rc=$?
took=$((($(date +%s%N) - start) / 1000000)) # ms
[ "$rc" -eq 0 ] || { fail "the GNU parallel recipe exited $rc"; cat "$t/parallel.log"; }
busy=$(grep -c 'ssm-render: [1-9][0-9]* rendered' "$t/parallel.log")
echo "parallel: $((took / 1000)).$((took % 1000 / 100)) s; $busy ssm-render runs rendered files"
[ "$busy" -ge 2 ] || fail "parallel: the work was not spread over jobs"
check_outputs parallel "$t/parallel.log"

echo "test_cluster_batch: $n_in inputs; $fails failed"
[ "$fails" -eq 0 ]
