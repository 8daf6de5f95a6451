#!/usr/bin/env bash
# Creates build/torch-venv: numpy and PyTorch from PyPI (the wheel pulls about
# 3 GB of CUDA libraries), for the PyTorch comparisons: the training test
# (test/Integration/InProcess/training-torch.test, UNSUPPORTED without it)
# and benchmarks/training_step.py. Kept out of the test command.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${1:-build/torch-venv}
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q numpy torch
"$venv/bin/python" -c "import torch; print('PyTorch', torch.__version__, 'in', '$venv')"
