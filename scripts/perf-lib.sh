# Shared by scripts/perf-*.sh, load.sh and soak.sh: machine facts and building the measuring
# tools (bench/, a standalone crate) into the workspace's target/ directory.
# shellcheck shell=bash

machine_facts() {
  local model
  model="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
  echo "machine: $(nproc) cores (${model:-unknown CPU}), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(rustc --version)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

build_bench() {
  CARGO_TARGET_DIR="$PWD/target" cargo build --quiet --release --locked \
    --manifest-path bench/Cargo.toml --bins
}

# Runs a measuring tool bounded by $1 seconds; the tool's children die with it (PDEATHSIG),
# and the tool itself is stopped if this script is interrupted.
run_bounded() {
  local seconds="$1"
  shift
  timeout --foreground "$seconds" "$@" &
  PERF_TOOL_PID=$!
  trap 'kill "$PERF_TOOL_PID" 2>/dev/null || true' EXIT INT TERM
  wait "$PERF_TOOL_PID"
}
