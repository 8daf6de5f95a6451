#!/usr/bin/env bash
# Runs coco's GPU checks and benchmarks on a machine with one NVIDIA GPU,
# from the bundle tools/scripts/gpu-bundle.sh made (this file is its
# run.sh). One rank, as an MPI singleton on the carried Open MPI.
#
#   bash gpu-bundle/run.sh [all|mpi|gtest|workloads|mixed|layer|calibrate|bench|sanitize]
#
# Every step's output goes to gpu-bundle/out/NAME.txt and a summary line per
# step (PASS/FAIL) to gpu-bundle/out/summary.txt; the exit status is 1 if any
# step failed. Where $OUT is set (the device tool sets it: what is written
# there comes back, at most 8 files), summary.txt, all steps' logs in one
# logs.txt and the benchmark's results.{md,csv,png} are copied there.
# Without a usable GPU every GPU step fails with the runtime's one-line
# error ("no CUDA device is usable"), never a hang.
set -uo pipefail
B=$(cd "$(dirname "$0")" && pwd)
LOGS=$B/out
what=${1:-all}
case $what in all|mpi|gtest|workloads|mixed|layer|sanitize|calibrate|bench) ;;
  *) echo "run.sh: unknown step '$what' (all, mpi, gtest, workloads, mixed, layer, sanitize, calibrate or bench)" >&2; exit 2 ;;
esac
mkdir -p "$LOGS"
: >"$LOGS/summary.txt"

# The carried Open MPI, relocated; orted comes from there (a singleton
# starts one).
export OPAL_PREFIX=$B/ompi/usr
export PMIX_PREFIX=$B/ompi/usr/lib/x86_64-linux-gnu/pmix2
export PMIX_MCA_mca_base_component_path=$PMIX_PREFIX/lib/pmix
export PATH=$B/ompi/usr/bin:$PATH
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
# The lent machine's own PMIx components do not load into the carried PMIx
# (seen there: pcompress_zlib, "undefined symbol"); its compression warning
# then fills every launch's output.
export PMIX_MCA_pcompress_base_silence_warning=1
# CUDA, NCCL and cuBLAS: the machine's, or those of its Python wheels.
wheels=$(python3 - <<'EOF' 2>/dev/null
import glob, os, site
dirs = set()
for root in site.getsitepackages() + [site.getusersitepackages()]:
    for lib in glob.glob(os.path.join(root, "nvidia", "*", "lib")) + glob.glob(os.path.join(root, "nvidia", "cu*", "lib")):
        dirs.add(lib)
print(":".join(sorted(dirs)))
EOF
)
export LD_LIBRARY_PATH=$B/lib:$B/ompi/usr/lib/x86_64-linux-gnu:$B/ompi/usr/lib/x86_64-linux-gnu/openmpi/lib${wheels:+:$wheels}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export COCO_LAUNCHER=none PYTHONPATH=$B/py COCO_TIMEOUT_S=${COCO_TIMEOUT_S:-120}

failed=0
step() { # step NAME COMMAND...: runs it, logs to $LOGS/NAME.txt, records PASS/FAIL
  local name=$1; shift
  echo "== $name: $*"
  if "$@" >"$LOGS/$name.txt" 2>&1; then
    echo "PASS $name" | tee -a "$LOGS/summary.txt"
  else
    echo "FAIL $name (exit $?): tail of $LOGS/$name.txt:" | tee -a "$LOGS/summary.txt"
    tail -5 "$LOGS/$name.txt" | sed 's/^/    /' | tee -a "$LOGS/summary.txt"
    failed=1
  fi
}

{ nvidia-smi -L || echo "(no nvidia-smi)"; echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"; } >"$LOGS/machine.txt" 2>&1
cat "$LOGS/machine.txt" | head -3

case $what in all|mpi)
  # The carried MPI alone (a CPU program): a singleton starts its orted.
  step mpi-smoke "$B/bin/adam-cpu" --iters 1 ;;
esac
case $what in all|gtest)
  step gtest "$B/bin/CocoRuntimeGPUTests" ;;
esac
case $what in all|workloads)
  for w in sgd adam lamb; do
    step "workload-$w" python3 "$B/py/check_optimizer.py" "$w" "$B/bin/$w" 1
  done ;;
esac
case $what in all|mixed)
  for w in sgd-mixed adam-mixed adam-mixed-f16 lamb-mixed; do
    step "mixed-$w" python3 "$B/py/check_mixed.py" - 1 "$B/mixed/$w" --target gpu --mode run
  done ;;
esac
case $what in all|layer)
  step layer python3 "$B/py/check_layer.py" - 1 "$B/layer" gpu run ;;
esac
case $what in sanitize)
  # Every small program (the workloads, the mixed-precision steps, the
  # layer's schedules) once under compute-sanitizer's memcheck: generated
  # kernels that read or write out of bounds or misaligned. Its own inputs
  # (no --in), one iteration; about 16 s a program on an H200, 24 programs,
  # so not part of `all`. CUDA API errors are not reported: the runtime
  # checks every call it makes itself, and NCCL's initialization probes
  # kernels of other architectures (8 cudaErrorNoKernelImageForDevice per
  # program, all inside ncclInitKernelsForDevice, seen on 2026-12-04).
  memcheck() {
    local cs bad=0
    cs=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
    [ -x "$cs" ] || { echo "no compute-sanitizer on this machine"; return 1; }
    for exe in "$B"/bin/{sgd,adam,lamb} "$B"/mixed/*/*.exe "$B"/layer/*.exe; do
      echo "== ${exe#$B/}"
      "$cs" --tool memcheck --report-api-errors no --error-exitcode 3 --print-limit 20 "$exe" --iters 1 --warmup 0 --quiet \
        || { echo "FAILED: ${exe#$B/} (exit $?)"; bad=1; }
    done
    return $bad
  }
  step memcheck memcheck ;;
esac
case $what in all|calibrate)
  # The GPU's own figures in the published DGX H200 profile (its links
  # stay published: one GPU has none to measure), and the matmul at the
  # benchmark layer's largest shape (B*S = 8192 rows, H = 1024).
  step calibrate "$B/bin/coco-calibrate-gpu" --base "$B/profiles/dgx-h200.json" \
    -o "$LOGS/calibrated-h200.json"
  step calibrate-layer-matmul "$B/bin/coco-calibrate-gpu" --base "$B/profiles/dgx-h200.json" \
    --matmul 8192,1024,1024 ;;
esac
case $what in all|bench)
  step bench python3 "$B/benchmarks/run_benchmarks.py" --target gpu --ranks 1 \
    --sizes 16M,64M,256M --workloads adam,adam-mixed --layer-batches 2,4,8 \
    --prebuilt "$B/bench" --out "$LOGS/bench" ;;
esac
echo "summary ($LOGS/summary.txt):"
cat "$LOGS/summary.txt"
if [ -n "${OUT:-}" ] && [ "$OUT" != "$LOGS" ]; then
  mkdir -p "$OUT"
  cp "$LOGS/summary.txt" "$OUT/"
  for f in "$LOGS"/*.txt; do echo "===== $(basename "$f")"; cat "$f"; done >"$OUT/logs.txt"
  cp "$LOGS"/bench/results.* "$LOGS"/calibrated-*.json "$OUT/" 2>/dev/null || true
fi
exit $failed
