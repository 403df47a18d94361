#!/usr/bin/env bash
# The README's Slurm recipe, run for real: a single-node Slurm cluster
# (munge with a generated key; slurmctld and slurmd as root, state and logs
# in a temporary directory; all started and stopped here, by process id)
# runs a small sweep as a job array of two shards with `sbatch --wait`;
# the shards are merged, `frontier` and `report` run on the result, and the
# tables and the frontier must be byte-identical to a single-process run.
# Run by .ci/run with the fleetsim binary as $1. Installs Debian's
# slurm-wlm and munge when missing; skips with a notice only when they
# cannot be installed.
set -euo pipefail
fleetsim="$(realpath "$1")"
repo="$(cd "$(dirname "$0")/../.." && pwd)"

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    echo "== installing slurm-wlm and munge (Debian packages) for the Slurm test"
    if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null); then
        echo "NOTICE: Slurm test SKIPPED: slurm-wlm and munge cannot be installed on this machine"
        exit 0
    fi
fi

work="$(mktemp -d)"
pids=()
cleanup() {
    for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
        if [[ -f "$pidfile" ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work"/{state,spool,log,munge,results}
head -c 1024 /dev/urandom >"$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed"

host="$(hostname)"
port=$((20000 + RANDOM % 20000))
cat >"$work/slurm.conf" <<CONF
ClusterName=fleetsimtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SchedulerType=sched/backfill
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -c
slurmd
for _ in $(seq 1 60); do
    if sinfo -h -o %t 2>/dev/null | grep -q idle; then break; fi
    sleep 1
done
sinfo -h -o %t | grep -q idle || { echo "Slurm test: the node never became idle"; cat "$work/log/"*.log; exit 1; }

scenario="$repo/tests/data/sweep-small.toml"
results="$work/results"
# The README's job array (two shards here).
cat >"$work/job.sh" <<JOB
#!/bin/bash
#SBATCH --array=0-1
#SBATCH --output=$work/log/task-%a.out
"$fleetsim" sweep "$scenario" --out "$results/shard-\$SLURM_ARRAY_TASK_ID" --shard \$SLURM_ARRAY_TASK_ID/2 --yes
JOB
echo "== Slurm: sbatch --wait of a 2-task job array"
sbatch --wait "$work/job.sh"
"$fleetsim" merge --out "$results/all" "$results"/shard-*
"$fleetsim" frontier "$results/all" >"$work/frontier-merged.txt"
"$fleetsim" report "$results/all" >/dev/null
test -s "$results/all/report.html"

"$fleetsim" sweep "$scenario" --out "$results/single" --yes >/dev/null
"$fleetsim" frontier "$results/single" >"$work/frontier-single.txt"
for f in runs.csv points.csv runs.parquet points.parquet; do
    cmp "$results/all/$f" "$results/single/$f"
done
cmp "$work/frontier-merged.txt" "$work/frontier-single.txt"
echo "== Slurm test passed: merged shards equal the single-process run, frontier and report ran"
