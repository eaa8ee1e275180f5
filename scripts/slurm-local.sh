#!/usr/bin/env bash
# A private one-node Slurm cluster (munged, slurmctld, slurmd as root, no systemd) for tests and
# local trials of `wambench slurm submit`. Every file lives under DIR; daemons are stopped by PID.
#
#   scripts/slurm-local.sh start DIR [CPUS]   start it (CPUS advertised, default: nproc); prints
#                                             the line to eval: export SLURM_CONF=DIR/etc/slurm.conf
#   scripts/slurm-local.sh stop DIR           cancel its jobs, stop its daemons (SIGTERM, then
#                                             SIGKILL after 10 s), keep DIR (logs) for inspection
#
# Exit status of start: 0 up; 77 Slurm cannot run here (not installed or not root; the reason is
# printed), 1 it was started but did not come up (the daemons' log tails are printed, and what was
# started is stopped). Ports: 20000 + a hash of DIR (two clusters with different DIRs coexist), or
# SLURM_LOCAL_PORT. Needs Debian's slurm-wlm and munge (scripts/install-deps.sh installs them).
set -uo pipefail

usage() { echo "usage: $0 start DIR [CPUS] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
CMD="$1"
D="$(realpath -m "$2")"
CPUS="${3:-$(nproc)}"

pid_of() { [ -s "$1" ] && cat "$1" 2>/dev/null || true; }
# Alive and not a zombie (PID 1 reaps orphans lazily here, so kill -0 is not enough).
alive() {
  local pid="$1"
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  local state
  state=$(sed -e 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
  [ "$state" != "Z" ]
}

stop_pid() {  # stop_pid NAME PIDFILE
  local pid
  pid=$(pid_of "$2")
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do alive "$pid" || return 0; sleep 0.1; done
  echo "slurm-local: $1 ($pid) ignored SIGTERM for 10 s; SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null
}

stop() {
  if [ -f "$D/etc/slurm.conf" ] && alive "$(pid_of "$D/run/slurmctld.pid")"; then
    export SLURM_CONF="$D/etc/slurm.conf"
    timeout 10 scancel --full -u "$(id -un)" >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do  # jobs end within KillWait (5 s)
      [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  stop_pid slurmd "$D/run/slurmd.pid"
  stop_pid slurmctld "$D/run/slurmctld.pid"
  stop_pid munged "$D/munge/munged.pid"
  echo "slurm-local: stopped ($D)"
}

tails() {
  for f in "$D/log/slurmctld.log" "$D/log/slurmd.log" "$D/munge/munged.log"; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
  done >&2
}

start() {
  for b in munged mungekey slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || {
      echo "slurm-local: cannot start: '$b' is not installed (Debian: apt-get install slurm-wlm munge, or scripts/install-deps.sh)"
      exit 77
    }
  done
  [ "$(id -u)" -eq 0 ] || { echo "slurm-local: cannot start: slurmd must run as root to launch jobs (uid $(id -u))"; exit 77; }
  export PATH="$PATH:/usr/sbin"
  if alive "$(pid_of "$D/run/slurmctld.pid")"; then echo "slurm-local: already running in $D" >&2; exit 1; fi
  local port="${SLURM_LOCAL_PORT:-$((20000 + $(printf %s "$D" | cksum | cut -d' ' -f1) % 10000 * 2))}"
  mkdir -p "$D"/{etc,state,spool,run,log,munge}
  chmod 755 "$D" "$D/munge"
  # munged needs o+x on every parent of its socket.
  local p="$D"
  while [ "$p" != "/" ]; do
    if [ "$(( $(stat -c %a "$p") % 2 ))" -eq 0 ]; then
      echo "slurm-local: cannot start: munged needs o+x on every parent of $D/munge, and '$p' lacks it; use a DIR under /tmp"
      exit 77
    fi
    p=$(dirname "$p")
  done
  [ -f "$D/munge/munge.key" ] || mungekey --create --keyfile="$D/munge/munge.key" >/dev/null 2>&1 \
    || dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 2>/dev/null
  chmod 600 "$D/munge/munge.key"
  cat > "$D/etc/slurm.conf" <<CONF
# One-node cluster of scripts/slurm-local.sh (all paths under $D).
ClusterName=local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket,cred_expire=10
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
DependencyParameters=kill_invalid_depend
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$CPUS RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  export SLURM_CONF="$D/etc/slurm.conf"
  munged --socket="$D/munge/munge.socket" --key-file="$D/munge/munge.key" --log-file="$D/munge/munged.log" \
         --pid-file="$D/munge/munged.pid" --seed-file="$D/munge/munged.seed" \
    || { echo "slurm-local: munged did not start" >&2; tails; stop >/dev/null; exit 1; }
  slurmctld -f "$SLURM_CONF" || { echo "slurm-local: slurmctld did not start" >&2; tails; stop >/dev/null; exit 1; }
  slurmd -f "$SLURM_CONF" -N localhost || { echo "slurm-local: slurmd did not start" >&2; tails; stop >/dev/null; exit 1; }
  # The daemons' exit codes mean little (they daemonize): wait for an idle node, 30 s at most.
  for _ in $(seq 1 300); do
    if timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP' \
       && [ "$(timeout 5 sinfo -h -o %t 2>/dev/null)" = "idle" ]; then
      echo "slurm-local: up in $D (port $port, $CPUS CPUs)" >&2
      echo "export SLURM_CONF=$SLURM_CONF"
      exit 0
    fi
    sleep 0.1
  done
  echo "slurm-local: the node did not become idle within 30 s" >&2
  tails
  stop >/dev/null
  exit 1
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
