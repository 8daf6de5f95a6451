# -*- Python -*-
import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "COCO"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.coco_obj_root, "test")
# Helpers of the integration tests (lib) and transform scripts (schedules)
# are not tests themselves.
config.excludes = ["lib", "schedules", "consumer", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.environment["FILECHECK_OPTS"] = "-enable-var-scope --allow-unused-prefixes=false"
# mpirun as root inside containers, more ranks than cores.
config.environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
config.environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
config.environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
# Don't let a hung test sit for the runtime's default 300 s.
config.environment["COCO_TIMEOUT_S"] = "60"
config.environment["PYTHONPATH"] = os.pathsep.join(
    [os.path.join(config.coco_src_root, "test", "Integration", "lib"),
     os.path.join(config.coco_src_root, "python")])

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.coco_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Each launch gets an OpenMPI session directory of its own (see the script).
isolated = os.path.join(config.coco_src_root, "test", "Integration", "lib", "isolated-mpirun.sh")
mpirun = (f"sh {isolated} {config.mpiexec} --allow-run-as-root --oversubscribe "
          "--mca btl self,vader -np")
config.substitutions.append(("%mpirun", mpirun))
# lit.llvm binds %python to the interpreter running lit; tests use numpy.
config.substitutions.append(("%coco_python", config.python_executable))
config.substitutions.append(("%coco_obj_root", config.coco_obj_root))
config.substitutions.append(("%mlir_dir", config.mlir_dir))
config.substitutions.append(("%coco_src_root", config.coco_src_root))

tool_dirs = [config.coco_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["coco-opt", "coco-translate", "coco-compile"], tool_dirs)

# The GPU path is compiled, linked and FileChecked wherever coco was built
# with it (a CUDA toolkit with NCCL: feature gpu-toolchain). GPU execution
# tests also need a CUDA device; without one they are skipped and reported as
# UNSUPPORTED.
if config.coco_enable_gpu:
    config.available_features.add("gpu-toolchain")
    config.substitutions.append(("%cuda_toolkit", config.cuda_toolkit_dir))
nvidia_smi = shutil.which("nvidia-smi")
if config.coco_enable_gpu and nvidia_smi and \
        subprocess.run([nvidia_smi, "-L"], capture_output=True).returncode == 0:
    config.available_features.add("cuda-device")

# The format check (test/style) needs clang-format 22, which
# tools/scripts/install-deps.sh installs; another version formats differently.
if shutil.which("clang-format-22") or os.path.exists(os.path.join(config.llvm_tools_dir, "clang-format")):
    config.available_features.add("clang-format")
else:
    lit_config.note("no clang-format-22: the format check is UNSUPPORTED")

# Several hosts (test/Integration/MultiHost): network namespaces joined by
# veth pairs, which needs root and `ip netns` (a container without
# CAP_SYS_ADMIN cannot make them).
def _can_make_netns():
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "flock", "nsenter")):
        return False
    probe = f"coco-probe{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return True


if _can_make_netns():
    config.available_features.add("netns")
else:
    lit_config.note("cannot make network namespaces (needs root and ip netns): the "
                    "several-hosts test is UNSUPPORTED")

# ml_dtypes (numpy's bfloat16, which in-process bf16 tensors are):
# tools/scripts/install-deps.sh installs it.
if subprocess.run([config.python_executable, "-c", "import ml_dtypes"],
                  capture_output=True).returncode == 0:
    config.available_features.add("ml_dtypes")
else:
    lit_config.note("no ml_dtypes: the in-process element-types test is UNSUPPORTED "
                    "(tools/scripts/install-deps.sh installs it)")

# PyTorch (the in-process training test against DDP): a venv made by
# tools/scripts/torch-venv.sh, or $COCO_TORCH_PYTHON. Its wheel pulls ~3 GB
# of CUDA libraries, so the test command does not install it.
torch_python = os.environ.get("COCO_TORCH_PYTHON") or \
    os.path.join(config.coco_obj_root, "torch-venv", "bin", "python")
if os.path.exists(torch_python) and \
        subprocess.run([torch_python, "-c", "import torch"], capture_output=True).returncode == 0:
    config.available_features.add("torch")
    config.substitutions.append(("%torch_python", torch_python))
else:
    lit_config.note(f"no PyTorch at {torch_python}: the PyTorch training test is UNSUPPORTED "
                    "(bash tools/scripts/torch-venv.sh installs it, ~3 GB)")
